"""Maps and diagrams of a region: pure functions over match records and flow rows
(no database, no HTTP), used by the services that feed the web pages."""
