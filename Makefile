# Every target installs what it needs first: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The SAM CLI pins its own boto3: it lives in its own environment, never in the function's.
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
export SAM_CLI_TELEMETRY := 0

.PHONY: install demo demo-serve test lint typecheck unit validate bench build deploy sam pack clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: start an embedded local AWS emulator (moto, in process), seed realistic clusters, scan them
demo: $(STAMP)
	$(BIN)/python demo/run.py

## demo-serve: seed the demo account in the local emulator and keep it running (prints the --endpoint-url,
## region and fake credentials to point eks-sg-rule at) until Ctrl-C
demo-serve: $(STAMP)
	$(BIN)/python demo/serve.py

## test: lint (ruff), types (mypy), templates (cfn-lint) and the whole pytest suite with its branch-coverage floor
test: lint typecheck validate unit

## validate: cfn-lint on every CloudFormation template, and `sam validate --lint` (offline)
validate: $(STAMP) $(SAM)
	$(BIN)/cfn-lint template.yaml conformance-packs/source/*.yaml deploy/*.yaml
	$(SAM) validate --lint

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --cov --cov-report=term

## bench: sweep a large synthetic account in the emulator; prints figures and PASS/MISS per target
bench: $(STAMP)
	$(BIN)/python bench/run.py

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0

sam: $(SAM)

## build: sam build (BuildMethod makefile: the targets below), no Docker needed
build: $(SAM)
	$(SAM) build

deploy: build
	$(SAM) deploy

## pack: render the conformance pack with literal values (AWS Config needs the Automation role ARN
## literal), from the stack's outputs: make pack RULE_FUNCTION_ARN=... OLDEST_VERSION_SUPPORTED=1.31
## [REMEDIATION_DOCUMENT=... AUTOMATION_ROLE_ARN=...] [PACK_PARAMETERS="ComplianceLevel=recommended ..."]
## A missing or malformed value fails naming the make variable that gives it.
PACK_SOURCE := conformance-packs/source/eks-security-groups.yaml
PACK := build/conformance-packs/eks-security-groups.yaml
pack: $(STAMP)
	$(BIN)/python deploy/render_pack.py $(PACK_SOURCE) $(PACK) RuleFunctionArn=$(RULE_FUNCTION_ARN) \
		OldestVersionSupported=$(OLDEST_VERSION_SUPPORTED) RemediationDocumentName=$(REMEDIATION_DOCUMENT) \
		AutomationAssumeRoleArn=$(AUTOMATION_ROLE_ARN) $(PACK_PARAMETERS)
	$(BIN)/cfn-lint $(PACK)

clean:
	rm -rf $(VENV) $(SAM_VENV) .venv-c7n .venv-lambda313 .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist src/*.egg-info
