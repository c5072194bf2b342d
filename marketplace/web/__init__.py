"""Serving pages over HTTP, for every feature alike: forms and their fields, labels and links,
language selection, error answers, security headers, templating, page parts that one feature
adds to another's page, request logs, and the blueprint that serves stored files (media)."""
