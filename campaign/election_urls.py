"""Public pages of the election campaign (the campaign app's own URLs)."""

app_name = "campaign"

urlpatterns: list = []
