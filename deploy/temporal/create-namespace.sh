#!/bin/sh
# Create the namespace with its retention once the server is healthy; safe to re-run.
set -eu
NAMESPACE=${DEFAULT_NAMESPACE:-default}
ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
RETENTION=${NAMESPACE_RETENTION:-30d}
attempt=1
until temporal operator cluster health --address "$ADDRESS"; do
  [ "$attempt" -ge 60 ] && { echo "Temporal did not become healthy"; exit 1; }
  attempt=$((attempt + 1)); sleep 5
done
if temporal operator namespace describe -n "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
  temporal operator namespace update -n "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
else
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
fi
# The petition search attributes (no personal data), registered once.
existing=$(temporal operator search-attribute list -n "$NAMESPACE" --address "$ADDRESS")
for pair in PetitionState:Keyword PetitionLevel:Keyword PetitionUnit:Keyword \
            PetitionNextDue:Datetime PetitionBreached:Bool PetitionProvisional:Bool; do
  name=${pair%%:*}; type=${pair#*:}
  if ! echo "$existing" | grep -qw "$name"; then
    temporal operator search-attribute create -n "$NAMESPACE" --address "$ADDRESS" \
      --name "$name" --type "$type"
  fi
done
echo "namespace $NAMESPACE ready (retention $RETENTION, search attributes registered)"
