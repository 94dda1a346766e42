"""Reports: HTML documents rendered from templates, printed to PDF by a real browser.

Reports (a region, a workshop's outcome) are HTML first, so they look the same in
the web app and on paper; the PDF is the same HTML printed by Debian's chromium,
which keeps one layout engine for screen and print and needs no network.
"""
