"""A realistic Kera marketplace for demos and first runs (`flask demo-data`): people,
organisations and their sites, 68 listings read from `listings.toml` with drawn photos, and
reservations in every state. Loading it twice adds nothing twice."""
