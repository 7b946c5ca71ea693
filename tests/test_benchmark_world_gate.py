"""The world gate benchmark's schedule: one car after another, or two lanes side by side."""

from benchmarks import world_gate as gate


def rows(count: int) -> list[dict]:
    return [{"plate": f"P{i}", "image": f"{i}.jpg"} for i in range(count)]


def test_one_car_after_another_in_the_middle():
    visits = gate.schedule(rows(3), 175, pairs=False)
    assert [(row["plate"], x, first) for row, x, first in visits] == [
        ("P0", 640, 0), ("P1", 640, 175 + gate.GAP), ("P2", 640, 2 * (175 + gate.GAP))]


def test_pairs_put_two_cars_in_view_at_once_in_two_lanes():
    visits = gate.schedule(rows(5), 175, pairs=True)
    lanes = [x for _, x, _ in visits]
    assert lanes == [320, 960, 320, 960, 320]  # left lane, right lane; an odd last car alone on the left
    starts = [first for _, _, first in visits]
    assert starts[1] - starts[0] == gate.PAIR_DELAY < 175  # both in view: the second comes a second later
    assert starts[2] == starts[1] + 175 + gate.GAP  # the next pair once the right lane is empty again
    assert starts[4] == starts[3] + 175 + gate.GAP
