"""The mentoring blueprint, shared by its route modules (routes, booking_routes)."""

from flask import Blueprint

bp = Blueprint("mentoring", __name__)
