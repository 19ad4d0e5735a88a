"""Two worlds and the organisers who live in them, for the permission tests.

World A is in scope for the group and regional organisers under test; world B
(another group and another region) is not. Worlds C (A's group, another region)
and D (another group, A's region) are each in scope for one of those roles and
out of it for the other: a scope that checks only one of group and region lets
them through.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Permission

from members.models import Branch, Group, Region, User
from tests.factories import BranchFactory, GroupFactory, RegionFactory, UserFactory

ROLES = ["national", "group", "regional", "editor"]


@dataclass
class World:
    group: Group
    region: Region
    branch: Branch


def make_world(tag: str, *, group: Group | None = None, region: Region | None = None) -> World:
    group = group or GroupFactory(code=f"world-{tag}", name=f"World {tag} group")
    region = region or RegionFactory(code=f"world-{tag}", name=f"World {tag} region")
    branch = BranchFactory(group=group, region=region, name=f"World {tag} branch")
    return World(group, region, branch)


def outside(role: str, a: World) -> World:
    """The world out of `role`'s scope that shares the other half of A's: another
    region in A's group for a regional organiser, another group in A's region
    for a group organiser (the leaks a one-sided check lets through), and a
    wholly other world for an editor."""
    if role == "regional":
        return make_world("c", group=a.group)
    if role == "group":
        return make_world("d", region=a.region)
    return make_world("b")


def organiser(role: str, world: World, *, every_permission: bool = True) -> User:
    """An organiser of `role` whose scope is `world`, in their role's group.

    With `every_permission` (the scope matrix) they also hold every model
    permission directly, so the scoping layer is the only thing that can hide
    an object; without it, they hold only their role's.
    """
    extra = {"group": world.group} if role == "group" else {}
    if role == "regional":
        extra = {"region": world.region}
    user = UserFactory(username=f"matrix-{role}", role=role, is_superuser=False, **extra)
    if every_permission:
        user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=user.pk)  # no cached permissions


def content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")
