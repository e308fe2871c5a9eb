"""Chart builders of single pages (`app/page_charts/<page>.py`); shared ones are in app/charts.py."""
