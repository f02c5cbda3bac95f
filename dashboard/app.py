"""The RFM dashboard: `streamlit run dashboard/app.py` (or `make dashboard`).

Reads the DuckDB warehouse named by RFM_DUCKDB_PATH (default
warehouse/rfm.duckdb), read-only and briefly. Each page has its own URL path
(see sitemap.py); the first page is served at the root URL.
"""

from __future__ import annotations

import streamlit as st

import ui
from sitemap import PAGES

st.set_page_config(
    page_title="RFM segments", page_icon=":material/groups:", layout="wide"
)
navigation = st.navigation(
    [
        st.Page(
            page.script,
            title=page.title,
            icon=page.icon,
            url_path=page.url_path,
            default=index == 0,
        )
        for index, page in enumerate(PAGES)
    ]
)
st.sidebar.caption(ui.warehouse_caption())
navigation.run()
