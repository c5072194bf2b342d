"""Running the product: the job runner and its duties, the health check, gunicorn's settings."""
