#!/usr/bin/env python3
"""A local mock of the Hugging Face Hub for vramfit's CLI and browser tests (no internet).

Listens on 127.0.0.1 at a free port, printed on stdout as "PORT <n>" (flushed)
once it accepts connections. Python stdlib only. Run:
  python3 tests/hub/mock_hub.py --fixtures tests/fixtures [--token T]
      [--log FILE] [--slow SECONDS] [--idle-exit SECONDS]
--token (default hf_mock_secret_token) is what gated/* accepts; --slow
(default 5) is how long slow/* and search=slow sleep; the server exits after
--idle-exit seconds (default 300) without a request. Methods: GET, HEAD (same
headers, no body), OPTIONS (CORS preflight); anything else answers 405.

Routes ("H" = http://127.0.0.1:<port>; the query string is ignored for routing):
  GET H/{org}/{name}/resolve/{revision}/{file}
      200 with the file (Content-Type application/octet-stream, Accept-Ranges:
      bytes, ETag: "<64 hex>", X-Repo-Commit: <40 hex>), or 206/416 for a
      Range (bytes=a-b, a-, -n; one range). {revision} is a branch ("main";
      tiny/* repos with revisions also "v1"), URL-encoded ("refs%2Fpr%2F1"),
      or the 40-hex commit the model-info API reports for it. Errors: JSON
      {"error": msg} + X-Error-Code/X-Error-Message: unknown repo 401 (no
      Authorization) or 404 RepoNotFound; unknown revision 404
      RevisionNotFound; unknown file 404 EntryNotFound.
  GET H/api/models?search=Q&limit=N[&sort=downloads&direction=-1]
      JSON array of {"_id" (24 hex), "id", "modelId", "likes", "downloads",
      "private": false, "pipeline_tag": "text-generation", "tags",
      "library_name" ("transformers", or "gguf" for GGUF-only repos),
      "createdAt"} for every listed repo id containing Q (case-insensitive;
      no Q = all), sorted by downloads descending then id (direction=1:
      ascending), at most limit (default 20, capped at 100; < 1 or not a
      number = 20). Downloads are fixed fakes: meta-llama/Meta-Llama-3.1-8B
      5,000,000, tiny/llama 950,000, the rest from a hash of the id (< 1e6);
      likes = downloads // 1000. Listed ids: the tiny/* repos below,
      meta-llama/Meta-Llama-3.1-8B, gated/llama, and org/name for every
      <fixtures>/configs/<org>__<name>.json (not *.params.json).
      Special searches (whole value, case-insensitive): ratelimit -> 429
      "Too Many Requests" + Retry-After: 30; broken -> 500; invalid -> 200
      HTML; nocors -> the full list WITHOUT CORS headers; slow or slow:<q>
      -> sleeps --slow seconds, then answers the search for <q> ("" = all).
  GET H/api/models/{org}/{name}  and  .../revision/{revision} (URL-encoded)
      {"_id", "id", "modelId", "author", "sha" (40 hex, per id and revision;
      also sent as X-Repo-Commit), "private": false, "gated": false ("manual"
      for gated/*), "disabled": false, "siblings": [{"rfilename"}] (the
      repo's files, sorted), "tags", "pipeline_tag", "library_name",
      "downloads", "likes", "createdAt", "lastModified", "config":
      {"architectures", "model_type"} (repos with a config.json)}.
      ?blobs=true (or 1) adds "blobId", "size" to each sibling and "lfs":
      {"sha256", "size", "pointerSize"} to *.safetensors / *.gguf.
      gated/* answers 200 without a token (metadata is public).
      Unknown repo: 404 RepoNotFound {"error": "Repository not found"};
      unknown revision: 404 RevisionNotFound {"error": "Invalid rev id: <rev>"}.
  GET http://localhost:<port>/__cdn/{org}/{name}/{file}
      The "CDN" (reached via 302s, on host localhost: another origin than
      127.0.0.1): the file with Range support, ETag, Accept-Ranges, CORS;
      never checks Authorization (the log records what it got). 404
      "NoSuchKey" (text/plain) for an unknown file.
  GET H/__log[?reset=1]
      The request log so far as a JSON array (oldest first); reset=1 empties
      it (and truncates --log) after answering. /__log requests are not logged.

Repositories (ids):
  <org>/<name>            config.json from <fixtures>/configs/<org>__<name>.json
                          (no weights) when such a fixture exists (*.params.json
                          fixtures are Mistral params.json files: no repo)
  meta-llama/Meta-Llama-3.1-8B   fixture config + 4 BF16 safetensors shards
                          (virtual zero data: only the headers are real bytes)
                          + model.safetensors.index.json
  tiny/llama              tiny llama config + one model.safetensors;
                          revisions "main" and "v1"
  tiny/llama-lfs          tiny/llama's files and revisions, but *.safetensors
                          and *.gguf resolve answers 302, Location:
                          http://localhost:<port>/__cdn/tiny/llama/<file>
                          (+ X-Repo-Commit, ETag; config.json is served directly)
  tiny/llama-gptq         GPTQ 4-bit checkpoint (qweight/qzeros/scales/g_idx)
  tiny/params-only        Mistral format, no config.json: params.json (TINY in
                          mistral-inference keys), consolidated.safetensors (the
                          same tensors, mistral names: tok_embeddings, attention.wq,
                          feed_forward.w1, output, ...), tekken.json
  tiny/no-config          README.md only (no config.json, params.json or weights)
  tiny/gguf               no config.json; tiny-Q8_0.gguf (v3, llama)
  tiny/gguf-multi         no config.json; .gitattributes, README.md,
                          tiny-Q4_0.gguf (61,184 data bytes), tiny-Q8_0.gguf
                          (114,432), tiny-F16.gguf (214,272): 106,816 params
                          each, norms F32, exact GGML block sizes
  tiny/gguf-split         no config.json; tiny-Q8_0-00001-of-00002.gguf and
                          -00002-of-00002.gguf (tiny-Q8_0.gguf cut in two by
                          gguf-split: 11 + 10 tensors), tiny-F16.gguf
  tiny/gguf-bigvocab      big-Q8_0.gguf with a 150,000-token vocabulary (~2 MiB header)
  tiny/sharded-mismatch   2 shards; the index names a tensor no shard has
  tiny/bad-header         model.safetensors with overlapping offsets
Failure ids (any name after the prefix; resolve and /api/models/{org}/{name}):
  gated/*      resolve: 401 (X-Error-Code: GatedRepo) unless "Authorization:
               Bearer <--token>"; with it, tiny/llama's files, *.safetensors
               as a 302 to http://localhost:<port>/__cdn/tiny/llama/<file>.
               API: 200 without a token, "gated": "manual"
  missing/*    404 RepoNotFound          ratelimit/*  429, Retry-After: 30
  broken/*     500                        slow/*       sleeps --slow seconds,
                                                       then as tiny/llama
  truncated/*  Content-Length larger than the body, then closes
  invalid/*    200 with an HTML body      noranges/*   tiny/llama, Range ignored
                                                       (no Accept-Ranges)
  deep/*       200 with JSON nested 200,000 levels deep
  redirect/*   302 to http://localhost:<port>/tiny/llama/... (another host:
               the client must not send its token there); API:
               302 to http://localhost:<port>/api/models/tiny/llama[/revision/<rev>]
  nocors/*     as tiny/llama (resolve and API), but no CORS header on any
               answer, the OPTIONS preflight's included (204 with Allow only)
CORS (every answer except nocors/*, search=nocors; errors, 206, 302, 416 too):
  Access-Control-Allow-Origin: the request's Origin (then also Vary: Origin,
  Access-Control-Allow-Credentials: true) or * without one;
  Access-Control-Expose-Headers: Content-Range, Content-Length, Accept-Ranges,
  ETag, X-Repo-Commit, X-Error-Code, X-Error-Message, Retry-After, Location.
  OPTIONS (any path): 204, Access-Control-Allow-Methods: GET, HEAD, OPTIONS,
  Access-Control-Allow-Headers: Authorization, Range, Content-Type (and
  Access-Control-Allow-Private-Network: true when asked); no
  Access-Control-Max-Age (Chromium caches a preflight 5 s per URL).
Every request but /__log is logged (in memory for /__log, and appended to
--log as one JSON line when given) before its body is sent:
  {"method", "path" (with the query), "host", "authorization", "range",
   "origin", "access_control_request_headers", "status"}
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

DTYPE_BYTES = {"BF16": 2, "F16": 2, "F32": 4, "I32": 4, "U8": 1, "F8_E4M3": 1}


def prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class VirtualFile:
    """`head` real bytes followed by `zeros` virtual zero bytes."""

    def __init__(self, head, zeros=0):
        self.head = head
        self.zeros = zeros

    @property
    def size(self):
        return len(self.head) + self.zeros

    def read(self, a, b):  # [a, b)
        out = self.head[a:b] if a < len(self.head) else b""
        return out + b"\0" * max(0, (b - a) - len(out))


def safetensors_file(tensors):
    """tensors: [(name, dtype, shape)] -> VirtualFile (header + zero data)."""
    header, off = {}, 0
    for name, dt, shape in tensors:
        n = prod(shape) * DTYPE_BYTES[dt]
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + n]}
        off += n
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return VirtualFile(struct.pack("<Q", len(text)) + text, off), off


def llama_tensors(c, dtype="BF16"):
    h, L = c["hidden_size"], c["num_hidden_layers"]
    nh, nkv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    d = c.get("head_dim") or h // nh
    inter, vocab = c["intermediate_size"], c["vocab_size"]
    t = [("model.embed_tokens.weight", dtype, [vocab, h])]
    for i in range(L):
        p = "model.layers.%d." % i
        t += [(p + "input_layernorm.weight", dtype, [h]),
              (p + "self_attn.q_proj.weight", dtype, [nh * d, h]),
              (p + "self_attn.k_proj.weight", dtype, [nkv * d, h]),
              (p + "self_attn.v_proj.weight", dtype, [nkv * d, h]),
              (p + "self_attn.o_proj.weight", dtype, [h, nh * d]),
              (p + "post_attention_layernorm.weight", dtype, [h]),
              (p + "mlp.gate_proj.weight", dtype, [inter, h]),
              (p + "mlp.up_proj.weight", dtype, [inter, h]),
              (p + "mlp.down_proj.weight", dtype, [h, inter])]
    t.append(("model.norm.weight", dtype, [h]))
    if not c.get("tie_word_embeddings", False):
        t.append(("lm_head.weight", dtype, [vocab, h]))
    return t


def sharded(tensors, n_shards):
    """-> {file: VirtualFile}, index dict."""
    per = (len(tensors) + n_shards - 1) // n_shards
    files, weight_map, total = {}, {}, 0
    for s in range(n_shards):
        name = "model-%05d-of-%05d.safetensors" % (s + 1, n_shards)
        chunk = tensors[s * per:(s + 1) * per]
        files[name], size = safetensors_file(chunk)
        total += size
        for t in chunk:
            weight_map[t[0]] = name
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    files["model.safetensors.index.json"] = VirtualFile(json.dumps(index, indent=2).encode())
    return files


def gptq_tensors(c, bits=4, group=32):
    out = []
    for name, dt, shape in llama_tensors(c, "F16"):
        if name.endswith("_proj.weight"):
            base = name[: -len(".weight")]
            o, i = shape
            out += [(base + ".qweight", "I32", [i * bits // 32, o]),
                    (base + ".qzeros", "I32", [i // group, o * bits // 32]),
                    (base + ".scales", "F16", [i // group, o]),
                    (base + ".g_idx", "I32", [i])]
        else:
            out.append((name, dt, shape))
    return out


GGML_TYPES = {  # name: (ggml type id, block size in elements, bytes per block, general.file_type)
    "F16": (1, 1, 2, 1),     # MOSTLY_F16
    "Q4_0": (2, 32, 18, 2),  # MOSTLY_Q4_0
    "Q8_0": (8, 32, 34, 7),  # MOSTLY_Q8_0
}


def gguf_file(c, qtype="Q8_0", name="tiny-gguf", split=None):
    """A v3 llama GGUF header (qtype matrices, F32 norms) + zero data.

    Tensor sizes are exact per GGML block size (every matrix row here is a
    multiple of 32 elements); each tensor's data is aligned to 32 bytes.
    split=(k, n): part k (1-based) of n as llama.cpp's gguf-split writes it:
    the tensors cut into n runs; part 1 keeps all metadata, every part has
    split.no / split.count / split.tensors.count, later parts nothing else."""
    def s(x):
        x = x.encode()
        return struct.pack("<Q", len(x)) + x

    QT, blk, bsz, ftype = GGML_TYPES[qtype]
    kv = []
    def kv_str(k, v): kv.append(s(k) + struct.pack("<I", 8) + s(v))
    def kv_u32(k, v): kv.append(s(k) + struct.pack("<II", 4, v))
    def kv_f32(k, v): kv.append(s(k) + struct.pack("<If", 6, v))
    kv_str("general.architecture", "llama")
    kv_str("general.name", name)
    kv_u32("general.file_type", ftype)
    kv_u32("llama.block_count", c["num_hidden_layers"])
    kv_u32("llama.embedding_length", c["hidden_size"])
    kv_u32("llama.feed_forward_length", c["intermediate_size"])
    kv_u32("llama.attention.head_count", c["num_attention_heads"])
    kv_u32("llama.attention.head_count_kv", c["num_key_value_heads"])
    kv_u32("llama.context_length", c["max_position_embeddings"])
    kv_f32("llama.rope.freq_base", 10000.0)
    kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    toks = b"".join(s("tok%d" % i) for i in range(c["vocab_size"]))
    kv.append(s("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, c["vocab_size"]) + toks)

    h, inter, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    kvd = c["num_key_value_heads"] * h // c["num_attention_heads"]
    Q, F32 = QT, 0
    tensors = [("token_embd.weight", [h, V], Q), ("output_norm.weight", [h], F32),
               ("output.weight", [h, V], Q)]
    for i in range(c["num_hidden_layers"]):
        p = "blk.%d." % i
        tensors += [(p + "attn_norm.weight", [h], F32), (p + "attn_q.weight", [h, h], Q),
                    (p + "attn_k.weight", [h, kvd], Q), (p + "attn_v.weight", [h, kvd], Q),
                    (p + "attn_output.weight", [h, h], Q), (p + "ffn_norm.weight", [h], F32),
                    (p + "ffn_gate.weight", [h, inter], Q), (p + "ffn_up.weight", [h, inter], Q),
                    (p + "ffn_down.weight", [inter, h], Q)]
    if split:
        k, n = split
        total = len(tensors)
        per = -(-total // n)
        tensors = tensors[(k - 1) * per:k * per]
        def kv_u16(key, v): kv.append(s(key) + struct.pack("<IH", 2, v))
        def kv_i32(key, v): kv.append(s(key) + struct.pack("<Ii", 5, v))
        if k > 1:
            kv.clear()
        kv_u16("split.no", k - 1)
        kv_u16("split.count", n)
        kv_i32("split.tensors.count", total)
    infos, off = [], 0
    for tname, ne, typ in tensors:
        if typ == F32:
            nbytes = prod(ne) * 4
        else:
            assert ne[0] % blk == 0, (tname, ne, qtype)
            nbytes = prod(ne) // blk * bsz
        infos.append(s(tname) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
                     + struct.pack("<IQ", typ, off))
        off += (nbytes + 31) // 32 * 32
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv) + b"".join(infos)
    head += b"\0" * ((32 - len(head) % 32) % 32)
    return VirtualFile(head, off)


TINY = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "intermediate_size": 128, "vocab_size": 256, "max_position_embeddings": 4096,
        "rms_norm_eps": 1e-5, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
# TINY in Mistral's native params.json spelling (mistral-inference format).
TINY_PARAMS = {"dim": 64, "n_layers": 2, "head_dim": 16, "hidden_dim": 128, "n_heads": 4,
               "n_kv_heads": 2, "norm_eps": 1e-5, "vocab_size": 256, "rope_theta": 10000.0}


def mistral_tensors(p, dtype="BF16"):
    """TINY_PARAMS -> consolidated.safetensors tensors in mistral-inference naming."""
    h, d, inter, vocab = p["dim"], p["head_dim"], p["hidden_dim"], p["vocab_size"]
    nh, nkv = p["n_heads"], p["n_kv_heads"]
    t = [("tok_embeddings.weight", dtype, [vocab, h])]
    for i in range(p["n_layers"]):
        q = "layers.%d." % i
        t += [(q + "attention_norm.weight", dtype, [h]),
              (q + "attention.wq.weight", dtype, [nh * d, h]),
              (q + "attention.wk.weight", dtype, [nkv * d, h]),
              (q + "attention.wv.weight", dtype, [nkv * d, h]),
              (q + "attention.wo.weight", dtype, [h, nh * d]),
              (q + "ffn_norm.weight", dtype, [h]),
              (q + "feed_forward.w1.weight", dtype, [inter, h]),
              (q + "feed_forward.w2.weight", dtype, [h, inter]),
              (q + "feed_forward.w3.weight", dtype, [inter, h])]
    return t + [("norm.weight", dtype, [h]), ("output.weight", dtype, [vocab, h])]


def build_repos(fixtures):
    def cfg_file(c):
        return VirtualFile(json.dumps(c, indent=2).encode())

    repos = {}
    tiny_files = {"config.json": cfg_file(TINY)}
    tiny_files["model.safetensors"], _ = safetensors_file(llama_tensors(TINY))
    repos["tiny/llama"] = {"files": tiny_files, "revisions": {"main", "v1"}}
    # The same files; *.safetensors / *.gguf resolve answers 302 to the "CDN".
    repos["tiny/llama-lfs"] = {"files": tiny_files, "revisions": {"main", "v1"}, "lfs_redirect": True}

    gptq = dict(TINY, torch_dtype="float16",
                quantization_config={"quant_method": "gptq", "bits": 4, "group_size": 32,
                                     "desc_act": False, "sym": True})
    g_files = {"config.json": cfg_file(gptq)}
    g_files["model.safetensors"], _ = safetensors_file(gptq_tensors(TINY))
    repos["tiny/llama-gptq"] = {"files": g_files}

    # Mistral format only: params.json + consolidated.safetensors, no config.json.
    repos["tiny/params-only"] = {"files": {
        "params.json": cfg_file(TINY_PARAMS),
        "consolidated.safetensors": safetensors_file(mistral_tensors(TINY_PARAMS))[0],
        "tekken.json": VirtualFile(b'{"config": {"pattern": "", "num_vocab_tokens": 256}}')}}
    # Neither config.json, params.json, weights nor GGUF.
    repos["tiny/no-config"] = {"files": {
        "README.md": VirtualFile(b"---\nlicense: mit\n---\n# tiny/no-config\nNo model files.\n")}}

    repos["tiny/gguf"] = {"files": {"tiny-Q8_0.gguf": gguf_file(TINY)}}
    # A 150,000-token vocabulary makes a ~2 MiB header: more than the
    # client's first 1 MiB Range request.
    big = dict(TINY, vocab_size=150000)
    repos["tiny/gguf-bigvocab"] = {"files": {"big-Q8_0.gguf": gguf_file(big)}}
    # A GGUF-only repo with several quantisations (a file picker's input).
    repos["tiny/gguf-multi"] = {"files": {
        ".gitattributes": VirtualFile(b"*.gguf filter=lfs diff=lfs merge=lfs -text\n"),
        "README.md": VirtualFile(b"---\nlicense: mit\n---\n# tiny/gguf-multi\nA mock GGUF repo.\n"),
        "tiny-Q4_0.gguf": gguf_file(TINY, "Q4_0", "tiny-gguf-multi"),
        "tiny-Q8_0.gguf": gguf_file(TINY, "Q8_0", "tiny-gguf-multi"),
        "tiny-F16.gguf": gguf_file(TINY, "F16", "tiny-gguf-multi")}}

    # One GGUF in two parts (gguf-split naming) next to a single-file one.
    repos["tiny/gguf-split"] = {"files": {
        "tiny-Q8_0-00001-of-00002.gguf": gguf_file(TINY, split=(1, 2)),
        "tiny-Q8_0-00002-of-00002.gguf": gguf_file(TINY, split=(2, 2)),
        "tiny-F16.gguf": gguf_file(TINY, "F16")}}

    # Two shards whose index names a tensor no shard has.
    m_files = sharded(llama_tensors(TINY), 2)
    idx = json.loads(m_files["model.safetensors.index.json"].head)
    idx["weight_map"]["model.layers.9.mlp.up_proj.weight"] = "model-00002-of-00002.safetensors"
    m_files["model.safetensors.index.json"] = VirtualFile(json.dumps(idx).encode())
    m_files["config.json"] = cfg_file(TINY)
    repos["tiny/sharded-mismatch"] = {"files": m_files}

    bad = safetensors_file(llama_tensors(TINY))[0]
    text = bad.head[8:].decode()
    # Make the second tensor overlap the first: same begin offset.
    hdr = json.loads(text)
    first = sorted((v["data_offsets"][0], k) for k, v in hdr.items() if k != "__metadata__")
    hdr[first[1][1]]["data_offsets"] = [0, hdr[first[1][1]]["data_offsets"][1] - hdr[first[1][1]]["data_offsets"][0]]
    t = json.dumps(hdr).encode()
    repos["tiny/bad-header"] = {"files": {"config.json": cfg_file(TINY),
                                          "model.safetensors": VirtualFile(struct.pack("<Q", len(t)) + t, 0)}}

    llama_cfg_path = os.path.join(fixtures, "configs", "meta-llama__Meta-Llama-3.1-8B.json")
    with open(llama_cfg_path, "rb") as f:
        raw = f.read()
    l_files = sharded(llama_tensors(json.loads(raw)), 4)
    l_files["config.json"] = VirtualFile(raw)
    repos["meta-llama/Meta-Llama-3.1-8B"] = {"files": l_files}
    return repos


EXPOSE = ("Content-Range, Content-Length, Accept-Ranges, ETag, X-Repo-Commit, X-Error-Code, "
          "X-Error-Message, Retry-After, Location")
ALLOW_METHODS = "GET, HEAD, OPTIONS"
ALLOW_HEADERS = "Authorization, Range, Content-Type"
# Prefixes whose repos are tiny/llama under another id.
ALIASES = ("gated", "slow", "noranges", "redirect", "nocors")
LFS_EXT = (".safetensors", ".gguf")
# Fixed download counts (the rest come from fake_downloads()).
DOWNLOADS = {"meta-llama/Meta-Llama-3.1-8B": 5000000, "tiny/llama": 950000}


def hexdigest(*parts):
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


def commit_sha(repo_id, rev):
    """The fake 40-hex commit of repo_id at revision rev."""
    return hexdigest("commit", repo_id, rev)


def fake_downloads(repo_id):
    if repo_id in DOWNLOADS:
        return DOWNLOADS[repo_id]
    return int(hexdigest("downloads", repo_id)[:8], 16) % 1000000 + 1


class Hub:
    def __init__(self, args):
        self.args = args
        self.repos = build_repos(args.fixtures)
        self.lock = threading.Lock()
        self.last = time.time()
        self.port = 0
        self.records = []  # the request log, served by GET /__log
        self.etags = {}

    def log(self, rec):
        with self.lock:
            self.records.append(rec)
            if self.args.log:
                with open(self.args.log, "a") as f:
                    f.write(json.dumps(rec) + "\n")

    def take_log(self, reset):
        with self.lock:
            out = list(self.records)
            if reset:
                self.records = []
                if self.args.log:
                    open(self.args.log, "w").close()
        return out

    def etag(self, f):
        with self.lock:
            if id(f) not in self.etags:
                self.etags[id(f)] = hashlib.sha256(f.head + b"%d" % f.zeros).hexdigest()
            return self.etags[id(f)]

    def repo(self, repo_id):
        if repo_id in self.repos:
            return self.repos[repo_id]
        fx = os.path.join(self.args.fixtures, "configs", repo_id.replace("/", "__") + ".json")
        if (re.match(r"^[^/_.][^/]*/[^/]+$", repo_id) and not fx.endswith(".params.json")
                and os.path.isfile(fx)):
            with open(fx, "rb") as f:
                return {"files": {"config.json": VirtualFile(f.read())}}
        return None

    def listed_ids(self):
        """Every repo id /api/models lists."""
        ids = set(self.repos) | {"gated/llama"}
        d = os.path.join(self.args.fixtures, "configs")
        for fn in os.listdir(d):
            if fn.endswith(".json") and "__" in fn and not fn.endswith(".params.json"):
                org, name = fn[:-len(".json")].split("__", 1)
                ids.add(org + "/" + name)
        return ids

    def tags(self, repo):
        files = repo["files"]
        tags, lib = [], "transformers"
        if any(f.endswith(".gguf") for f in files) and "config.json" not in files:
            tags, lib = ["gguf"], "gguf"
        else:
            tags.append("transformers")
        if any(f.endswith(".safetensors") for f in files):
            tags.append("safetensors")
        mt = None
        if "config.json" in files:
            try:
                cfg = json.loads(files["config.json"].head)
                mt = cfg.get("model_type") if isinstance(cfg, dict) else None
            except ValueError:
                pass
        elif any(f.endswith(".gguf") for f in files):
            mt = "llama"
        if isinstance(mt, str) and mt:
            tags.append(mt)
        tags += ["text-generation", "region:us"]
        return tags, lib

    def summary(self, repo_id, repo):
        """An /api/models list item."""
        tags, lib = self.tags(repo)
        dl = fake_downloads(repo_id)
        return {"_id": hexdigest("_id", repo_id)[:24], "id": repo_id, "modelId": repo_id,
                "likes": dl // 1000, "downloads": dl, "private": False,
                "pipeline_tag": "text-generation", "tags": tags, "library_name": lib,
                "createdAt": "2024-01-01T00:00:00.000Z"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub = None  # set in main

    def log_message(self, fmt, *a):  # quiet
        pass

    # --- plumbing -------------------------------------------------------------
    def cors_headers(self):
        origin = self.headers.get("Origin")
        h = {"Access-Control-Allow-Origin": origin or "*",
             "Access-Control-Expose-Headers": EXPOSE}
        if origin:
            h["Vary"] = "Origin"
            h["Access-Control-Allow-Credentials"] = "true"
        return h

    def send(self, status, body=b"", headers=None, length=None):
        self.send_response(status)
        all_h = dict(self.cors_headers()) if self.cors else {}
        all_h.update(headers or {})
        for k, v in all_h.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.status = status
        self.write_log()  # before the body: a client that has the answer finds it logged
        try:
            if self.method != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def write_log(self):
        if self.logged or self.split.path == "/__log":
            return
        self.logged = True
        h = self.headers
        self.hub.log({"method": self.method, "path": self.path, "host": h.get("Host", ""),
                      "authorization": h.get("Authorization"), "range": h.get("Range"),
                      "origin": h.get("Origin"),
                      "access_control_request_headers": h.get("Access-Control-Request-Headers"),
                      "status": self.status})

    def error(self, status, code, msg):
        self.send(status, json.dumps({"error": msg}).encode(),
                  {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": msg})

    def send_json(self, obj, headers=None):
        h = {"Content-Type": "application/json; charset=utf-8"}
        h.update(headers or {})
        self.send(200, json.dumps(obj).encode(), h)

    def handle_method(self, method):
        hub = self.hub
        hub.last = time.time()
        self.method = method
        self.status = 0
        self.logged = False
        self.split = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(self.split.query)
        # nocors/*: no CORS header on any answer, the preflight's included.
        self.cors = not (re.match(r"^/(api/models/)?nocors/", self.split.path)
                         or (self.split.path.rstrip("/") == "/api/models"
                             and self.param("search", "").strip().lower() == "nocors"))
        try:
            self.dispatch()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.write_log()

    def do_GET(self):
        self.handle_method("GET")

    def do_HEAD(self):
        self.handle_method("HEAD")

    def do_OPTIONS(self):
        self.handle_method("OPTIONS")

    def do_POST(self):
        self.handle_method("POST")

    do_PUT = do_DELETE = do_PATCH = do_POST

    def param(self, k, default=None):
        v = self.query.get(k)
        return v[0] if v else default

    def dispatch(self):
        path = self.split.path
        if self.method == "OPTIONS":
            if not self.cors:
                return self.send(204, b"", {"Allow": ALLOW_METHODS})
            h = {"Access-Control-Allow-Methods": ALLOW_METHODS,
                 "Access-Control-Allow-Headers": ALLOW_HEADERS}
            if self.headers.get("Access-Control-Request-Private-Network"):
                h["Access-Control-Allow-Private-Network"] = "true"
            return self.send(204, b"", h)
        if self.method not in ("GET", "HEAD"):
            self.close_connection = True  # a request body we do not read
            return self.send(405, b"Method Not Allowed", {"Allow": ALLOW_METHODS})
        if path == "/__log":
            recs = self.hub.take_log(self.param("reset", "") not in ("", "0"))
            return self.send_json(recs, {"Cache-Control": "no-store"})
        if path.startswith("/__cdn/"):
            return self.cdn(path[len("/__cdn/"):])
        if path.rstrip("/") == "/api/models":
            return self.search()
        if path.startswith("/api/models/"):
            return self.model_info(path[len("/api/models/"):])
        m = re.match(r"^/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$", path)
        if m:
            return self.resolve(*m.groups())
        return self.error(404, "RepoNotFound", "no route")

    def prefix_failure(self, org):
        """The failure prefixes shared by resolve and API routes; True if answered."""
        if org == "missing":
            self.error(404, "RepoNotFound", "Repository not found")
        elif org == "ratelimit":
            self.send(429, b"Too Many Requests", {"Retry-After": "30"})
        elif org == "broken":
            self.send(500, b"Internal Server Error")
        elif org == "invalid":
            self.send(200, b"<html><body>Please log in to the proxy</body></html>",
                      {"Content-Type": "text/html"})
        elif org == "deep":
            self.send(200, b"[" * 200000 + b"]" * 200000, {"Content-Type": "application/json"})
        elif org == "truncated":
            self.close_connection = True
            self.send(200, b'{"model_ty', {"Content-Type": "application/json"}, length=1000)
        else:
            if org == "slow":
                time.sleep(self.hub.args.slow)
            return False
        return True

    def cdn_location(self, file):
        return "http://localhost:%d/__cdn/tiny/llama/%s" % (self.hub.port, urllib.parse.quote(file))

    def file_headers(self, f, ranges=True):
        h = {"Content-Type": "application/octet-stream", "ETag": '"%s"' % self.hub.etag(f)}
        if ranges:
            h["Accept-Ranges"] = "bytes"
        return h

    def serve_file(self, f, ranges=True, extra=None):
        h = self.file_headers(f, ranges)
        h.update(extra or {})
        rng = self.headers.get("Range")
        if rng and ranges:
            return self.ranged(f, rng, h)
        return self.send(200, f.read(0, f.size) if self.method != "HEAD" else b"", h, length=f.size)

    # --- routes ------------------------------------------------------------------
    def resolve(self, org, name, raw_rev, raw_file):
        hub = self.hub
        rev = urllib.parse.unquote(raw_rev)
        file = urllib.parse.unquote(raw_file)
        if self.prefix_failure(org):
            return
        if org == "gated":
            want = "Bearer " + hub.args.token
            if self.headers.get("Authorization") != want:
                return self.error(401, "GatedRepo", "Access to model gated/%s is restricted" % name)
        if org == "redirect":
            loc = "http://localhost:%d/tiny/llama/resolve/%s/%s" % (hub.port, raw_rev, raw_file)
            return self.send(302, b"", {"Location": loc})
        req_id = org + "/" + name
        repo_id = "tiny/llama" if org in ALIASES else req_id
        repo = hub.repo(repo_id)
        if repo is None:
            return self.error(401 if not self.headers.get("Authorization") else 404,
                              "RepoNotFound", "Repository not found")
        revs = repo.get("revisions", {"main"})
        if rev not in revs and rev not in {commit_sha(req_id, r) for r in revs}:
            return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
        f = repo["files"].get(file)
        if f is None:
            return self.error(404, "EntryNotFound", "%s does not exist" % file)
        commit = rev if rev not in revs else commit_sha(req_id, rev)
        if (org == "gated" or repo.get("lfs_redirect")) and file.endswith(LFS_EXT):
            return self.send(302, b"", {"Location": self.cdn_location(file), "X-Repo-Commit": commit,
                                        "ETag": '"%s"' % hub.etag(f)})
        return self.serve_file(f, org != "noranges", {"X-Repo-Commit": commit})

    def cdn(self, rest):
        m = re.match(r"^([^/]+)/([^/]+)/(.+)$", rest)
        repo = self.hub.repo(m.group(1) + "/" + m.group(2)) if m else None
        f = repo["files"].get(urllib.parse.unquote(m.group(3))) if repo else None
        if f is None:
            return self.send(404, b"NoSuchKey", {"Content-Type": "text/plain"})
        return self.serve_file(f)

    def search(self):
        hub = self.hub
        q = self.param("search", "")
        s = q.strip().lower()
        if s == "ratelimit":
            return self.send(429, b"Too Many Requests", {"Retry-After": "30"})
        if s == "broken":
            return self.send(500, b"Internal Server Error")
        if s == "invalid":
            return self.send(200, b"<html><body>Please log in to the proxy</body></html>",
                             {"Content-Type": "text/html"})
        if s == "nocors":
            q = ""
        if s == "slow" or s.startswith("slow:"):
            time.sleep(hub.args.slow)
            q = q.strip()[5:]
        try:
            limit = int(self.param("limit", "20"))
        except ValueError:
            limit = 20
        limit = min(100, limit if limit >= 1 else 20)
        ql = q.strip().lower()
        items = []
        for rid in hub.listed_ids():
            if ql in rid.lower():
                repo = hub.repo("tiny/llama" if rid.split("/")[0] in ALIASES else rid)
                items.append(hub.summary(rid, repo))
        asc = self.param("direction", "-1") == "1"
        items.sort(key=lambda d: ((d["downloads"] if asc else -d["downloads"]), d["id"]))
        return self.send_json(items[:limit])

    def model_info(self, rest):
        hub = self.hub
        m = re.match(r"^([^/]+)/([^/]+?)(?:/revision/(.+))?/?$", rest)
        if not m:
            return self.error(404, "RepoNotFound", "Repository not found")
        org, name, raw_rev = m.groups()
        rev = urllib.parse.unquote(raw_rev) if raw_rev else "main"
        if self.prefix_failure(org):
            return
        if org == "redirect":
            loc = "http://localhost:%d/api/models/tiny/llama%s" % (
                hub.port, "/revision/" + raw_rev if raw_rev else "")
            return self.send(302, b"", {"Location": loc})
        req_id = org + "/" + name
        repo = hub.repo("tiny/llama" if org in ALIASES else req_id)
        if repo is None:
            return self.error(404, "RepoNotFound", "Repository not found")
        revs = repo.get("revisions", {"main"})
        shas = {commit_sha(req_id, r): r for r in revs}
        if rev not in revs and rev not in shas:
            return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
        sha = rev if rev in shas else commit_sha(req_id, rev)
        blobs = self.param("blobs", "").lower() in ("1", "true")
        siblings = []
        for fn in sorted(repo["files"]):
            sib = {"rfilename": fn}
            if blobs:
                f = repo["files"][fn]
                sib["blobId"] = hexdigest("blob", req_id, fn)
                sib["size"] = f.size
                if fn.endswith(LFS_EXT):
                    sib["lfs"] = {"sha256": hub.etag(f), "size": f.size, "pointerSize": 134}
            siblings.append(sib)
        info = hub.summary(req_id, repo)
        info.update({"author": org, "sha": sha, "lastModified": "2024-06-01T00:00:00.000Z",
                     "gated": "manual" if org == "gated" else False, "disabled": False,
                     "siblings": siblings})
        if "config.json" in repo["files"]:
            try:
                cfg = json.loads(repo["files"]["config.json"].head)
                info["config"] = {k: cfg[k] for k in ("architectures", "model_type") if k in cfg}
            except ValueError:
                pass
        return self.send_json(info, {"X-Repo-Commit": sha})

    def ranged(self, f, rng, headers):
        m = re.match(r"^bytes=(\d*)-(\d*)$", rng.strip())
        size = f.size
        if not m or (m.group(1) == "" and m.group(2) == ""):
            return self.send(416, b"", {"Content-Range": "bytes */%d" % size})
        if m.group(1) == "":
            a, b = max(0, size - int(m.group(2))), size - 1
        else:
            a = int(m.group(1))
            b = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        if a >= size or a > b:
            return self.send(416, b"", {"Content-Range": "bytes */%d" % size})
        h = dict(headers)
        h["Content-Range"] = "bytes %d-%d/%d" % (a, b, size)
        return self.send(206, f.read(a, b + 1) if self.method != "HEAD" else b"", h,
                         length=b + 1 - a)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", required=True, help="tests/fixtures directory")
    ap.add_argument("--token", default="hf_mock_secret_token", help="token gated/* accepts")
    ap.add_argument("--log", default="", help="JSON-lines request log")
    ap.add_argument("--slow", type=float, default=5.0, help="seconds slow/* sleeps")
    ap.add_argument("--idle-exit", type=float, default=300.0, help="exit after this idle time")
    args = ap.parse_args()
    hub = Hub(args)
    Handler.hub = hub
    srv = Server(("127.0.0.1", 0), Handler)
    hub.port = srv.server_address[1]
    print("PORT %d" % hub.port, flush=True)

    def watchdog():
        while time.time() - hub.last < args.idle_exit:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
