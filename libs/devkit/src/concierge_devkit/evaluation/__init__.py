"""``concierge eval``: a set of conversations through the real pipeline, scored.

* :mod:`.cases`: the case file (YAML), loaded and checked, with errors naming the case;
* :mod:`.parish`: the seeded parish as the evaluation sees it, its dates moved to today;
* :mod:`.consistency`: the case file checked against the parish (honest expectations);
* :mod:`.driver`: each case played as its own person, through webhooks and the WAHA fake;
* :mod:`.judge`: each transcript judged (right fact, handoff, expired, leaks);
* :mod:`.report`: the metrics, the thresholds and the report;
* :mod:`.session`: one evaluation against any running pipeline (the command, the e2e test);
* :mod:`.pipeline`: the infrastructure and the five services the command starts;
* :mod:`.command`: the command itself (options, run, report, exit code).
"""
