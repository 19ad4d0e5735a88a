"""The members app's admin pages, one module per subject."""

from members.admin import accounts, broadcasts, contacts, people, structure, third_party

__all__ = ["accounts", "broadcasts", "contacts", "people", "structure", "third_party"]
