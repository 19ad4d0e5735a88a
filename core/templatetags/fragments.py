"""``{% fragment name topic... %}...{% endfragment %}``: a part of a page built once
per version of the topics it shows (core.pagecache.fragments).

The enclosed template must render the same for everyone while those topics
stay unchanged: no request, user, CSRF token or time inside. A false ``name``
(e.g. a bound form's) renders it every time.
"""

from django import template

from core.pagecache.fragments import fragment

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, topics):
        self.nodelist, self.name, self.topics = nodelist, name, topics

    def render(self, context):
        name = self.name.resolve(context)
        if not name:
            return self.nodelist.render(context)
        topics = tuple(str(t.resolve(context)) for t in self.topics)
        return fragment(str(name), topics, lambda: self.nodelist.render(context))


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment name topic... %} needs a name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
