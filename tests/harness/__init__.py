"""The shared workflow test harness: a driver, a hand-written oracle per workflow, and the
generic checks every workflow gets from its oracle (see `checks.workflow_checks`).

A new workflow resource's tests are then its oracle table, its recipe (how to create an object
and reach each state), and its own rules.
"""

from tests.harness.checks import workflow_checks
from tests.harness.driver import Driver, Recipe, Step
from tests.harness.oracle import Oracle

__all__ = ["Driver", "Oracle", "Recipe", "Step", "workflow_checks"]
