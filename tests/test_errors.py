"""sopdocs.errors.Problem: an immutable value, as the frozen dataclass it replaced was."""

from __future__ import annotations

import copy
import pickle

import pytest

from sopdocs.errors import Problem, ValidationError


def test_a_problem_is_a_value() -> None:
    problem = Problem("wajib diisi", file="profil.yaml", field="kota", line=4)
    same = Problem("wajib diisi", "profil.yaml", "kota", 4, "error")
    assert problem == same and hash(problem) == hash(same) and len({problem, same}) == 1
    assert problem != Problem("wajib diisi", file="profil.yaml", field="kota", line=5)
    assert problem != ("wajib diisi", "profil.yaml", "kota", 4, "error")
    assert repr(problem) == ("Problem(message='wajib diisi', file='profil.yaml', field='kota', line=4, "
                             "severity='error')")
    assert pickle.loads(pickle.dumps(problem)) == problem and copy.deepcopy(problem) == problem


def test_a_problem_cannot_be_changed_only_copied() -> None:
    problem = Problem("x", file="a.yaml")
    with pytest.raises(AttributeError):
        problem.file = "b.yaml"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del problem.message
    moved = problem.replace(file="b.yaml", line=2)
    assert (moved.file, moved.line, moved.message, problem.file) == ("b.yaml", 2, "x", "a.yaml")


def test_how_a_problem_reads() -> None:
    assert str(Problem("x", file="a.yaml", field="kota", line=3)) == "a.yaml:3: kota: x"
    assert str(Problem("x", line=3)) == "baris 3: x"
    assert str(Problem("x", severity="warning")) == "peringatan: x"
    errors = ValidationError([Problem("w", severity="warning"), Problem("e", file="f")])
    assert str(errors) == "f: e" and errors.problems == [Problem("e", file="f")]
