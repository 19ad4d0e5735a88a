"""The members app's admin pages, one module per subject."""

from members.admin import accounts, contacts, people, structure, third_party

__all__ = ["accounts", "contacts", "people", "structure", "third_party"]
