"""Email broadcasts to members (issue #19): compose, audience, delivery, unsubscribe.

- ``audience``: who a broadcast reaches: the scope it was written in, its
  filters, the consent it needs (live at the moment of sending), not suppressed;
- ``rendering``: Markdown to sanitised HTML and a plain-text part, merge fields;
- ``mail``: one member's message with its headers (List-Unsubscribe, List-Id, ...);
- ``delivery``: sending a batch, each message once per recipient;
- ``services``: schedule, send, resume, cancel, unsubscribe (audited);
- ``tasks``: the queued work; ``retention``: the purge of delivery rows.
"""
