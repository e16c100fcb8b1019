"""Edge geometry for the renderers: an edge's polyline as smooth curve segments and an arrow
head."""

ARROW_LENGTH = 9.0


def edge_curve(points, rankdir="TB", arrow_length=ARROW_LENGTH):
    """Smooth an edge's points into cubic Bezier segments, ending an arrow's length short.

    Each segment leaves and arrives along the rank axis, so edges come out of and go into
    boxes straight.

    Returns:
        (start, segments, arrow): `segments` is a list of (control1, control2, end) points
        and `arrow` the three corners of the arrowhead (tip first).
    """
    points = [tuple(p) for p in points]
    tip = points[-1]
    along = 1 if rankdir == "TB" else 0
    # the last stretch runs along the rank axis; find which way
    direction = tip[along] - points[-2][along] if len(points) > 1 else 1.0
    sign = 1.0 if direction >= 0 else -1.0
    length = min(arrow_length, abs(direction)) if len(points) > 1 else arrow_length
    base = list(tip)
    base[along] -= sign * length
    points[-1] = tuple(base)
    segments = []
    for p0, p1 in zip(points, points[1:]):
        middle = (p0[along] + p1[along]) / 2
        c1, c2 = list(p0), list(p1)
        c1[along] = middle
        c2[along] = middle
        segments.append((tuple(c1), tuple(c2), p1))
    half = arrow_length * 0.4
    across = 1 - along
    left, right = list(base), list(base)
    left[across] -= half
    right[across] += half
    return points[0], segments, [tip, tuple(left), tuple(right)]


__all__ = ["ARROW_LENGTH", "edge_curve"]
