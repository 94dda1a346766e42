"""One router per page family; each page with a JSON twin builds its data once."""
