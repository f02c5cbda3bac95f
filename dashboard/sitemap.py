"""The dashboard's pages: file, title and URL path of each, in menu order.

Kept free of Streamlit so that `screenshots.py` can list the URLs too. The first
page is the default one and is served at the root URL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One dashboard page: its script under dashboard/, title, icon and URL path."""

    script: str
    title: str
    icon: str
    url_path: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "views/segments.py", "Segment overview", ":material/donut_small:", "segments"
    ),
    PageSpec("views/rf_grid.py", "R x F grid", ":material/grid_on:", "rf-grid"),
    PageSpec("views/clusters.py", "Clusters", ":material/scatter_plot:", "clusters"),
    PageSpec(
        "views/migration.py", "Segment migration", ":material/swap_horiz:", "migration"
    ),
    PageSpec("views/clicks.py", "Clicks", ":material/ads_click:", "clicks"),
    PageSpec("views/offers.py", "Next best offers", ":material/local_offer:", "offers"),
)


def page_url(base_url: str, page: PageSpec) -> str:
    """The URL a browser opens for `page`: the root URL for the default page."""
    path = "" if page == PAGES[0] else page.url_path
    return f"{base_url.rstrip('/')}/{path}"
