"""The names `make eval` and `make bench` used to import from one module, kept for callers that still
do (evaluation/quality.py and its tests). Each lives in the module of its responsibility; new code
imports from there:

- `evaluation.training`: models, the baseline, timed trainings, Rasa CLI calls with a log;
- `evaluation.processes`: one bot (action server and Rasa server) started with stack/processes.py;
- `evaluation.rest_client`: messages and conversations over the REST channel, the replies' `meta`;
- `evaluation.datasets`: NLU examples and the held-out CLINC150 messages;
- `evaluation.resources`: memory and CPU of process trees, from /proc;
- `evaluation.stats`: percentiles and ratios;
- `evaluation.reports`: log lines, Markdown, JSON, the run's header, plots without a display.
"""
from __future__ import annotations

from evaluation.datasets import (CLINC_ATTRIBUTION, clinc_exclusion_rule, heldout_in_domain,  # noqa: F401
                                 heldout_out_of_domain, normalise_text, read_nlu_examples, strip_entity_markup,
                                 training_nlu_files, training_texts)
from evaluation.processes import BotStack, free_port, knowledge_cli_available, start_stack  # noqa: F401
from evaluation.reports import (DEFAULT_REPORTS, fmt, git_revision, log, matplotlib_pyplot, md_table,  # noqa: F401
                                python_executable, reset_dir, run_header, write_json)
from evaluation.resources import CpuMonitor, RssSampler, process_tree, rss_bytes  # noqa: F401
from evaluation.rest_client import (post_message, post_message_sync, reply_meta, reply_text,  # noqa: F401
                                    run_conversations)
from evaluation.stats import percentile, ratio  # noqa: F401
from evaluation.training import (BASELINE_CONFIG, EVALUATION_DIR, PYTHON, RASA, TrainResult,  # noqa: F401
                                 child_environment, newest_model, our_model, run_logged, smoke_config,
                                 train_baseline, train_model)
from settings import PROJECT_ROOT  # noqa: F401
