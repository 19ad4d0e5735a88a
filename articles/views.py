from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request):
    """The front page: latest articles and the current calls to action."""
    return render(request, "home.html")
