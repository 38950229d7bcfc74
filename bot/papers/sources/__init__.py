"""Clients for the services that name and describe papers: Hugging Face and arXiv."""
