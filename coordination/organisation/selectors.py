"""Reads of the organisation domain used by more than one caller."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from coordination.organisation.models import Agency, Official


def agency_list(*, q: str = "", level: str = "", parent_code: str = "") -> QuerySet[Agency]:
    """Active agencies, with their parent; filtered by name or code (`q`), level and parent."""
    agencies = Agency.objects.filter(is_active=True).select_related("parent")
    if q:
        agencies = agencies.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if level:
        agencies = agencies.filter(level=level)
    if parent_code:
        agencies = agencies.filter(parent__code=parent_code)
    return agencies


def official_roles(official: Official) -> list[str]:
    """An official's roles as the API names them (one role today, a list by contract)."""
    return [official.role]


LEVEL_ORDER = {level: rank for rank, level in enumerate(Agency.Level.values)}
DIRECTORY_INLINE_LIMIT = 1000  # beyond this many officials the tree shows counts only


@dataclass
class AgencyNode:
    agency: Agency
    officials: list[Official] = field(default_factory=list)
    children: list[AgencyNode] = field(default_factory=list)
    matched: bool = False

    @property
    def official_count(self) -> int:
        return len(self.officials)


@dataclass
class Directory:
    roots: list[AgencyNode]
    official_count: int
    # With a search: the agencies whose name or code matched, whose officials are all listed.
    matched_agencies: list[Agency] = field(default_factory=list)


def agency_directory(*, q: str = "") -> Directory:
    """The agency tree with each agency's active officials (two queries), and how many
    officials it lists. With `q`: the agencies that match (name or code), with all their
    officials, and the officials who match (name, username, position) wherever they are,
    with the agencies above each hit for context."""
    agencies = {a.pk: a for a in Agency.objects.filter(is_active=True)}
    officials = list(
        Official.objects.filter(is_active=True, agency_id__in=agencies).order_by(
            "first_name", "last_name", "username"
        )
    )
    nodes = {pk: AgencyNode(agency) for pk, agency in agencies.items()}
    q = q.strip().lower()
    if q:
        for node in nodes.values():
            node.matched = _agency_matches(node.agency, q)
    for official in officials:
        node = nodes[official.agency_id]
        if q and not node.matched and not _official_matches(official, q):
            continue
        official.agency = node.agency  # known already: no query per official
        node.officials.append(official)
    keep = set(nodes)
    if q:
        keep = {pk for pk, node in nodes.items() if node.matched or node.officials}
        for pk in list(keep):  # the agencies above each hit, for context
            parent = agencies[pk].parent_id
            while parent is not None and parent in agencies and parent not in keep:
                keep.add(parent)
                parent = agencies[parent].parent_id
    roots = []
    for pk in keep:
        node, parent = nodes[pk], agencies[pk].parent_id
        if parent in keep:
            nodes[parent].children.append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        node.children.sort(key=_tree_order)
    roots.sort(key=_tree_order)
    matched = sorted((n.agency for n in nodes.values() if n.matched), key=lambda a: a.name)
    return Directory(
        roots=roots,
        official_count=sum(len(n.officials) for pk, n in nodes.items() if pk in keep),
        matched_agencies=matched,
    )


def _agency_matches(agency: Agency, q: str) -> bool:
    return q in agency.name.lower() or q in agency.code.lower()


def _tree_order(node: AgencyNode) -> tuple[int, str]:
    return LEVEL_ORDER.get(node.agency.level, 99), node.agency.name


def _official_matches(official: Official, q: str) -> bool:
    haystack = " ".join(
        [official.get_full_name(), official.username, official.position_title]
    ).lower()
    return q in haystack


def agency_detail(code: str) -> tuple[Agency, list[Official], list[Agency]] | None:
    """An active agency by code, its active officials and the agencies below it; None when
    there is no such agency."""
    agency = Agency.objects.select_related("parent").filter(code=code, is_active=True).first()
    if agency is None:
        return None
    officials = list(agency.officials.filter(is_active=True).order_by("first_name", "last_name"))
    for official in officials:
        official.agency = agency  # for zone_name, without a query per official
    children = list(agency.children.filter(is_active=True).order_by("name"))
    return agency, officials, children


def official_list(*, q: str = "", agency_code: str = "") -> QuerySet[Official]:
    """Active officials; with `q`, those whose name, username, position or agency (name or
    code) holds it, as the participant pickers search."""
    officials = Official.objects.filter(is_active=True).select_related("agency")
    for word in q.split():
        officials = officials.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(position_title__icontains=word)
            | Q(agency__name__icontains=word)
            | Q(agency__code__icontains=word)
        )
    if agency_code:
        officials = officials.filter(agency__code=agency_code)
    return officials
