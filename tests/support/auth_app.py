"""A tiny app behind require_sign_in(), for the sign-in AppTests."""

import streamlit as st

from app.auth import log_page_view, require_sign_in

scope = require_sign_in()
log_page_view("test-page", {"municipality": ["101"]})
st.markdown(f"SECRET CONTENT for {scope.user} as {scope.role}")
st.markdown(f"presentation={scope.presentation}")
