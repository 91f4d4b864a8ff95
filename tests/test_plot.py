"""Drum-grid pictures: render real and hand-built files, then look at the pixels."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install 'mapkit[plot]')")

from mapkit.hits import read_hits  # noqa: E402
from mapkit.maps import MapError, load_map  # noqa: E402
from mapkit.plot import PlotUnavailable, parse_bars, plot_grid, row_order  # noqa: E402

from conftest import GROOVE, needs_shared  # noqa: E402
from test_stats import HAT, KICK, SNARE, STEP, TPB, groove_midi, rock_beat  # noqa: E402


def pixels(png):
    import matplotlib.image as mpimg

    return mpimg.imread(str(png))[:, :, :3]  # floats 0-1, rows top to bottom


def coloured(img, band, x_span, margin=3):
    """Pixels in a row band that are clearly coloured (not white, grey or black grid lines)."""
    top, bottom = band
    left, right = x_span
    region = img[top + margin:bottom - margin, left:right]
    sat = region.max(axis=2) - region.min(axis=2)
    return region[sat > 0.2]


def test_rows_run_from_kick_at_the_bottom_to_cymbals_at_the_top():
    order = row_order(["crash_1", "kick", "hihat_closed", "snare_center", "tom_high", "tom_floor_low", "ride_bow",
                       "hihat_pedal", "hihat_open", "note 99"])
    assert order == ["kick", "snare_center", "tom_floor_low", "tom_high", "hihat_pedal", "hihat_closed",
                     "hihat_open", "ride_bow", "crash_1", "note 99"]


def test_parse_bars():
    assert parse_bars("1-8") == (1, 8) and parse_bars("5") == (5, 5)
    for bad in ("0-3", "4-2", "x"):
        with pytest.raises(ValueError):
            parse_bars(bad)


def test_a_rock_beat_draws_its_rows_in_the_maps_words_with_hits_in_the_right_rows(tmp_path):
    png = tmp_path / "rock.png"
    g = plot_grid(groove_midi(rock_beat(4)), "gm", png, all_rows=False)
    assert g.rows == ["kick", "snare_center", "hihat_closed"]
    # the map's own words; GM's two kick notes (35, 36) share one row
    assert g.labels == ["Kick", "Acoustic Snare", "Closed Hi Hat"]
    img = pixels(png)
    assert (img.shape[1], img.shape[0]) == g.size
    assert 1000 < g.size[0] < 2500 and 150 < g.size[1] < 600
    (panel,) = g.panels
    assert (panel.first_bar, panel.last_bar, panel.hits) == (1, 4, 48)
    # Bar lines evenly spaced across the grid.
    xs = [x for _, x in panel.bar_x]
    assert len(xs) == 4 and max(xs[i + 1] - xs[i] for i in range(3)) - min(xs[i + 1] - xs[i] for i in range(3)) <= 1
    kick = coloured(img, panel.row_bands["kick"], panel.x_span)
    hats = coloured(img, panel.row_bands["hihat_closed"], panel.x_span)
    snare = coloured(img, panel.row_bands["snare_center"], panel.x_span)
    assert len(kick) and len(hats) and len(snare)
    # Eight hats a bar against two kicks: more ink in the hi-hat row; kick drawn red, hats blue.
    assert len(hats) > 2.5 * len(kick)
    assert kick[:, 0].mean() > kick[:, 2].mean() and hats[:, 2].mean() > hats[:, 0].mean()
    # Between rows' hits there is only grid: the first sixteenth after beat 1 of the kick row is empty.
    top, bottom = panel.row_bands["kick"]
    sixteenth = (xs[1] - xs[0]) / 16
    gap = img[top + 3:bottom - 3, int(xs[0] + 1.0 * sixteenth):int(xs[0] + 1.9 * sixteenth)]
    assert (gap.max(axis=2) - gap.min(axis=2)).max() < 0.1


def test_rows_without_hits_stay_empty_and_velocity_is_shade(tmp_path):
    png = tmp_path / "all.png"
    loud_soft = [(0, KICK, 127), (2 * TPB, KICK, 25), (TPB, SNARE, 100), (0, HAT, 90)]
    g = plot_grid(groove_midi(loud_soft), "gm", png, all_rows=True)
    assert set(load_map("gm").articulations) == set(g.rows)
    img = pixels(png)
    (panel,) = g.panels
    for row in g.rows:
        ink = coloured(img, panel.row_bands[row], panel.x_span)
        if row in ("kick", "snare_center", "hihat_closed"):
            assert len(ink), row
        else:
            assert not len(ink), f"{row} has no hits but has colour"
    top, bottom = panel.row_bands["kick"]
    mid = (top + bottom) // 2
    x0, _ = panel.x_span
    quarter = (panel.x_span[1] - x0) / 4

    def darkness(x):
        return 1 - img[mid, int(x)].mean()

    loud = darkness(x0 + 0.3 * STEP / TPB * quarter)
    soft = darkness(x0 + 2 * quarter + 0.3 * STEP / TPB * quarter)
    assert loud > soft + 0.2 > 0.2  # the soft kick is drawn, paler


def test_bars_picks_an_excerpt(tmp_path):
    g = plot_grid(groove_midi(rock_beat(8)), "gm", tmp_path / "x.png", bars="3-4")
    (panel,) = g.panels
    assert (panel.first_bar, panel.last_bar, panel.total_bars, panel.hits) == (3, 4, 8, 24)
    assert [b for b, _ in panel.bar_x] == [3, 4]


def test_side_by_side_shares_rows_and_time_scale(tmp_path):
    a = groove_midi(rock_beat(2))
    b = groove_midi([(t, n) for t, n in rock_beat(4) if n != SNARE] + [(0, 49)])
    one = plot_grid(a, "gm", tmp_path / "one.png")
    g = plot_grid([a, b, a], "gm", tmp_path / "grid.png", titles=["step 1000", "step 2000", "step 3000"])
    assert g.rows == ["kick", "snare_center", "hihat_closed", "crash_1"]
    assert [p.title for p in g.panels] == ["step 1000", "step 2000", "step 3000"]
    assert g.size[1] > 2.5 * one.size[1]
    img = pixels(tmp_path / "grid.png")
    assert (img.shape[1], img.shape[0]) == g.size
    # Panel 2 has no snare: that row is empty there, not in panels 1 and 3.
    assert not len(coloured(img, g.panels[1].row_bands["snare_center"], g.panels[1].x_span))
    assert len(coloured(img, g.panels[0].row_bands["snare_center"], g.panels[0].x_span))
    # Same time scale: bar 2 sits at the same pixel column in every panel.
    assert g.panels[0].bar_x[1][1] == g.panels[1].bar_x[1][1]
    # Rows line up from panel to panel at the same height offsets.
    for p in g.panels[1:]:
        height = p.row_bands["kick"][1] - p.row_bands["crash_1"][0]
        assert abs(height - (g.panels[0].row_bands["kick"][1] - g.panels[0].row_bands["crash_1"][0])) <= 1


def test_an_empty_file_still_draws(tmp_path):
    g = plot_grid(groove_midi([]), "gm", tmp_path / "e.png")
    assert g.panels[0].hits == 0 and (tmp_path / "e.png").stat().st_size > 1000


def test_missing_matplotlib_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PlotUnavailable, match=r"mapkit\[plot\]"):
        plot_grid(groove_midi(rock_beat(1)), "gm", tmp_path / "x.png")
    from mapkit.cli import app

    f = tmp_path / "a.mid"
    f.write_bytes(groove_midi(rock_beat(1)))
    r = CliRunner().invoke(app, ["plot", str(f), "-o", str(tmp_path / "a.png")])
    assert r.exit_code == 2 and "mapkit[plot]" in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_plot_folder_side_by_side_and_errors(tmp_path):
    from mapkit.cli import app

    runner = CliRunner()
    src = tmp_path / "loops"
    (src / "sub").mkdir(parents=True)
    (src / "a.mid").write_bytes(groove_midi(rock_beat(2)))
    (src / "sub" / "b.mid").write_bytes(groove_midi(rock_beat(1)))
    (src / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x00\x40")
    r = runner.invoke(app, ["plot", str(src), "--map", "gm", "-o", str(tmp_path / "pics"), "--json"])
    assert r.exit_code == 1, r.output
    assert (tmp_path / "pics" / "a.png").is_file() and (tmp_path / "pics" / "sub" / "b.png").is_file()
    data = json.loads(r.stdout)
    assert len(data["pictures"]) == 2 and data["failed"][0]["path"].endswith("broken.mid")
    assert [ln for ln in r.stderr.splitlines() if "broken.mid" in ln] and "Traceback" not in r.output

    r = runner.invoke(app, ["plot", str(src / "a.mid"), str(src / "sub" / "b.mid"), str(src / "broken.mid"),
                            "--side-by-side", "-o", str(tmp_path / "grid.png"), "--map", "gm", "--json"])
    assert r.exit_code == 1
    (pic,) = json.loads(r.stdout)["pictures"]
    assert len(pic["panels"]) == 2 and pic["rows"] == ["kick", "snare_center", "hihat_closed"]
    assert (tmp_path / "grid.png").is_file()

    r = runner.invoke(app, ["plot", str(src), "-o", str(tmp_path / "one.png")])
    assert r.exit_code == 2 and "folder" in r.stderr
    r = runner.invoke(app, ["plot", str(src / "a.mid"), "--bars", "4-2", "-o", str(tmp_path / "z.png")])
    assert r.exit_code == 2 and "--bars" in r.stderr


@needs_shared
def test_a_groove_midi_excerpt_shows_the_articulations_it_plays(tmp_path):
    try:
        td = load_map("roland-td")
    except MapError as e:
        pytest.skip(f"the roland-td map is not available yet: {e}")
    f = GROOVE / "drummer3" / "session1" / "13_rock_120_beat_4-4.mid"
    if not f.is_file():
        pytest.skip(f"{f} not found")
    part = read_hits(f, td)
    step = part.ticks_per_beat / 4  # hits belong to the bar of their nearest sixteenth
    played = {h.articulation or f"note {h.note}" for h in part.hits if round(h.tick / step) * step < 8 * part.bar_ticks}
    png = tmp_path / "groove.png"
    g = plot_grid(f, td, png, bars=(1, 8))
    assert g.rows == row_order(played)
    assert g.rows[0] == "kick" and not any(r.startswith("note ") for r in g.rows)
    assert all(lbl and not lbl.isdigit() for lbl in g.labels)
    img = pixels(png)
    (panel,) = g.panels
    assert (img.shape[1], img.shape[0]) == g.size and len(panel.bar_x) == 8
    for row in g.rows:
        assert len(coloured(img, panel.row_bands[row], panel.x_span, margin=2)), row
    # Played hi-hats outnumber kicks in a rock beat: the picture shows it.
    assert len(coloured(img, panel.row_bands["hihat_closed"], panel.x_span)) > \
        len(coloured(img, panel.row_bands["kick"], panel.x_span))
