"""The open data site's pages: catalog, dataset, inventory, requests, archive, and the coordinator's desk."""
