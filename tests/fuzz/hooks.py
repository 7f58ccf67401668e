"""Schemathesis hooks for scripts/fuzz.py (loaded through SCHEMATHESIS_HOOKS=tests.fuzz.hooks).

- Random UUIDs only ever reach the 404 branch, so path ids are drawn either as generated or from
  the objects the script created (FUZZ_KNOWN_IDS: {"customer_id": [...], ...}); Hypothesis makes
  the choice, so the fixed seed still fixes the run.
"""

import json
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

KNOWN_IDS: dict[str, list[str]] = json.loads(os.environ.get("FUZZ_KNOWN_IDS", "{}"))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Each id parameter: the generated value or one of the known objects of that kind."""
    if not path_parameters:
        return st.just(path_parameters)
    choices: dict[str, Any] = {}
    for name, value in path_parameters.items():
        known = KNOWN_IDS.get(name, [])
        choices[name] = st.sampled_from([value, *known]) if known else st.just(value)
    return st.fixed_dictionaries(choices)
