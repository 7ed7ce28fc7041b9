"""Blueprints of the review web app."""
