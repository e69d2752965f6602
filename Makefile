# The two commands of the README: `make run` and `make test`. Every target does its own set-up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
# the machine's pip configuration lists local mirrors that may be absent; their warnings are noise
export PYTHONWARNINGS := ignore

.PHONY: run run-cluster test health setup knowledge-db nlu-data train validate web-deps eval bench clean

## run: set everything up, train if the data changed, start action server, Rasa server, widget page, console
## on BIND_HOST, and restart any of them that stops (stack/supervisor.py)
run: setup knowledge-db nlu-data train web-deps
	$(PY) -m stack run

## run-cluster: the same bot as RASA_REPLICAS Rasa servers and ACTION_REPLICAS action servers behind nginx,
## on PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), supervised (stack/cluster.py); says what to
## install where nginx, PostgreSQL or Redis is missing
run-cluster: setup nlu-data train web-deps
	$(PY) -m stack run-cluster

## health: is each part of the running bot up? (exits non-zero when one is down)
health:
	@$(PY) -m stack health

## test: set everything up, then run the whole test suite
test: setup knowledge-db nlu-data train web-deps
	$(PY) -m pytest

setup:
	@scripts/setup.sh

knowledge-db: setup
	$(PY) -m knowledge build

# lookup tables and synonyms generated from the knowledge store (not maintained twice)
nlu-data: setup
	$(PY) -m knowledge export-nlu data/generated

# Rasa fingerprints every component's configuration and data: what did not change is restored from its
# cache (.rasa/), so an unchanged project packs a new model in about 20 seconds without retraining.
# the training data: English (data/) and each language's training file (languages/nlu/<code>/train.yml;
# the test.yml beside it is held out)
TRAINING_DATA := data $(sort $(wildcard languages/nlu/*/train.yml))
train: setup nlu-data
	$(RASA) train --config config.yml --domain domain.yml --data $(TRAINING_DATA) --out models

validate: setup nlu-data
	$(RASA) data validate --fail-on-warnings

## eval: quality report (NLU, routing, declining, conversation tests), ours beside the rasa init baseline
eval: setup knowledge-db nlu-data train
	$(PY) -m evaluation.quality $(EVAL_ARGS)

## bench: speed and cost report, ours and baseline: latency and throughput under load for 1, 2 and 3 Rasa
## processes (and Sanic workers), turn cost over 120 turns, CPU and memory per process, start-up and the
## matcher before and after the disease terminology, training time
bench: setup knowledge-db nlu-data train
	$(PY) -m evaluation.bench $(BENCH_ARGS)

web-deps:
	@if [ -f web/package.json ]; then scripts/web_deps.sh; fi

clean:
	rm -rf $(VENV) models/*.tar.gz var reports results test-artifacts data/generated
