"""Map assets: the vendored Leaflet, the site's settings for it, and static/js/map.js.

A page with a map puts `{% map_css %}` in its head and `{% map_js %}` before its own
script; the map itself is an element with `data-map` (see static/js/map.js).
"""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("partials/map_css.html")
def map_css() -> dict:
    return {}


@register.inclusion_tag("partials/map_js.html")
def map_js() -> dict:
    return {
        "map_config": {
            "tilesUrl": settings.MAP_TILES_URL,
            "attribution": settings.MAP_TILES_ATTRIBUTION,
            "center": list(settings.MAP_CENTER),
            "zoom": settings.MAP_ZOOM,
            "minZoom": settings.MAP_MIN_ZOOM,
            "maxZoom": settings.MAP_MAX_ZOOM,
        }
    }
