"""Pydantic bodies: what the API accepts and returns, shared by routers and services."""
