"""The README's Python tour runs as written (like the Rust doctests)."""

import os
import re

from conftest import ROOT


def test_readme_python_tour_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace('"week.png"', repr(str(tmp_path / "week.png")))
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    env: dict = {}
    exec(compile(code, "README.md", "exec"), env)
    assert env["t"]["priority"] == "P1"
    assert env["decisions"] and isinstance(env["state"], bytes)
    assert len(env["grid"]) == 9
    assert os.path.getsize(tmp_path / "week.png") > 1000


def _python_blocks():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### From Python"):text.index("### From JavaScript")]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_arrow_runs(monkeypatch):
    code = next(block for block in _python_blocks() if "output=\"arrow\"" in block)
    monkeypatch.chdir(ROOT)
    env: dict = {}
    exec(compile(code, "README.md", "exec"), env)
    rows = env["decisions"].to_pylist()
    assert [r["decision"] for r in rows] == ["wake_at", "offer", "wake_at"]
    assert (rows[1]["ticket"], rows[1]["agent"]) == ("INC-7", "maria")


def test_readme_python_replay_runs(monkeypatch):
    code = next(block for block in _python_blocks() if "tierwise.replay(" in block)
    monkeypatch.chdir(ROOT)
    env: dict = {}
    exec(compile(code, "README.md", "exec"), env)
    assert env["report"].matches_history[0] == 1.0
    assert len(env["report"].diff()) > 0
