"""Python client for Oscar, a self-hosted hyperparameter-optimization service.

Example::

    from Oscar import Oscar

    scientist = Oscar('API_ACCESS_TOKEN')
    experiment = {'name': 'Square', 'parameters': {'x': {'min': -10, 'max': 10}}}
    job = scientist.suggest(experiment)
    scientist.update(job, {'loss': job['x'] ** 2})
"""

__version__ = "0.1.0"

from .client import BUDGET_SPENT, DEFAULT_URL, Job, Oscar, OscarError

__all__ = ["Oscar", "OscarError", "Job", "BUDGET_SPENT", "DEFAULT_URL", "__version__"]
