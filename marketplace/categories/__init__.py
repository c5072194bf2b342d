"""The category taxonomy: material and equipment families with their product types, read by the
listing pages and the API, and kept up to date by operators with `flask categories`."""
