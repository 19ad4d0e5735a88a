"""What core needs to know about the apps, asked of the apps themselves.

Core imports no app. An app that has public pages, demo data, personal data
to purge, or something that changes a page on a schedule says so on its own
``AppConfig``, and core reads it from there:

- ``public_models``: this app's models whose change can alter a public page
  (or a page kept for organisers, such as the nominations board), each mapped
  to the topics (what pages show: "articles", "slates", "turnout", ...) its
  save or deletion makes stale; the page cache and page fragments retire only
  what shows those (core.pagecache.topics; a plain list makes every page stale);
- ``demo_loader``: the dotted path of ``load(**sizes) -> dict``, run by
  ``manage.py load_demo`` in the order the apps are installed;
- ``retention_rules``: rule name -> dotted path of ``purge(now) -> int`` (the
  number of rows removed), each rule's period in ``settings.RETENTION_DAYS``;
- ``next_public_change()``: when a page will next change with no save (a
  scheduled article), or None;
- ``organiser_todo(user, today)``: this app's items for the organiser home
  (``core.todo.TodoItem``), already in the user's scope.

Apps may offer the same kind of hook to each other: members asks for
``contact_report_pages(link, token)`` (members.contacts), and for
``personal_data(member)`` and ``contact_links_data(links)`` (a member's data
download, members.download), and ``forget_contact_links(link_ids)`` before it
erases a member's contact links and ``forget_email(email)`` (what the app holds
under the member's address, such as replies to events) when it erases a
member (members.services).
"""

from django.apps import AppConfig, apps


def declared(attribute: str) -> list[tuple[AppConfig, object]]:
    """(app config, value) for each installed app that declares `attribute`, in order."""
    found = []
    for config in apps.get_app_configs():
        value = getattr(config, attribute, None)
        if value:
            found.append((config, value))
    return found
