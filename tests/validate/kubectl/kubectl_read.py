"""What kubectl sends for a manifest file, found offline: `kubectl label
--local --dry-run=client -o json -f FILE` reads the file through the same
resource builder as `kubectl apply` (unstructured decoding, lists
flattened) and prints each object it would send, with one label added.
Shared by record.py (which writes the answers down) and compare.py."""
import json
import os
import subprocess

PROBE = "seccomp-guard.test/probe"


def normalise(obj):
    """The object without the probe label, and without the metadata kubectl
    made only to hold it; applied to both sides of every comparison."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        labels = meta.get("labels")
        if isinstance(labels, dict):
            labels.pop(PROBE, None)
            if not labels:
                del meta["labels"]
        if not meta:
            del obj["metadata"]
    return obj


def split_json_stream(text):
    """kubectl prints one indented JSON object per object sent."""
    decoder = json.JSONDecoder()
    objects, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return objects
        obj, at = decoder.raw_decode(text, at)
        objects.append(obj)


def kubectl_version(kubectl):
    proc = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True,
                          text=True, env=offline_env())
    try:
        return json.loads(proc.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return "unknown"


def offline_env():
    env = dict(os.environ)
    env["KUBECONFIG"] = os.devnull  # never a cluster, whatever the machine has
    return env


def kubectl_read(kubectl, path):
    """(objects sent, whether kubectl reported an error)."""
    proc = subprocess.run([kubectl, "label", "--local", "--dry-run=client", "-o", "json", "-f",
                           path, PROBE + "=1"], capture_output=True, text=True,
                          env=offline_env())
    # Objects go to stdout, errors to stderr; an item error still lets
    # kubectl send the other items, so both may be there.
    return [normalise(o) for o in split_json_stream(proc.stdout)], proc.returncode != 0
