"""Greedy generation for many prompts at once on a CPU, where the work is the model's matrix products and the KV cache.

`transformers`' `generate` pads a batch to its longest prompt and keeps every row until the last one ends. Here:

- prompts are sorted by length and cut into batches whose padding stays under `MAX_PADDING` of the batch's tokens
  (and whose tokens stay under `batch_tokens`), so padding costs little in the prompt pass;
- a row that reaches an end token, or whose answer `stop` says is complete, leaves the batch and the KV cache at once,
  so the rows still writing do not pay for it (one rambling row no longer holds up the rest);
- the KV cache is kept from the prompt pass on: each later step feeds one token per row.

Output equals one-at-a-time greedy decoding (tests check it against `model.generate`), up to floating-point ties.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

Stop = Callable[[list[int]], bool]
"""Whether an answer (its tokens so far) is complete, so its row can leave the batch before an end token."""

MAX_PADDING = 0.25  # of a batch's prompt tokens that may be padding; a longer prompt starts the next batch


def greedy_generate(
    model: Any,
    prompts: Sequence[Sequence[int]],
    *,
    pad_id: int,
    end_ids: Collection[int],
    max_new_tokens: int,
    batch_size: int,
    batch_tokens: int = 8192,
    stop: Stop | None = None,
) -> list[list[int]]:
    """The tokens greedy decoding adds to each prompt (without the end token), in the prompts' order."""
    answers: list[list[int]] = [[] for _ in prompts]
    for batch in length_batches([len(p) for p in prompts], batch_size, batch_tokens):
        made = _generate_batch(model, [prompts[i] for i in batch], pad_id, end_ids, max_new_tokens, stop)
        for row, tokens in zip(batch, made, strict=True):
            answers[row] = tokens
    return answers


def length_batches(lengths: Sequence[int], batch_size: int, batch_tokens: int) -> Iterator[list[int]]:
    """Indices of prompts, longest first, in batches of at most `batch_size` rows and `batch_tokens` padded tokens
    whose padding stays under MAX_PADDING."""
    order = sorted((i for i, n in enumerate(lengths) if n), key=lambda i: lengths[i], reverse=True)
    batch: list[int] = []
    tokens = 0  # real (unpadded) tokens in `batch`
    for i in order:
        if batch:
            rows, longest = len(batch) + 1, lengths[batch[0]]
            padded = longest * rows
            if rows > batch_size or padded > batch_tokens or padded - tokens - lengths[i] > MAX_PADDING * padded:
                yield batch
                batch, tokens = [], 0
        batch.append(i)
        tokens += lengths[i]
    if batch:
        yield batch


def _generate_batch(
    model: Any,
    prompts: list[Sequence[int]],
    pad_id: int,
    end_ids: Collection[int],
    max_new_tokens: int,
    stop: Stop | None,
) -> list[list[int]]:
    import torch

    device = model.device
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad_id] * (width - len(p)) + list(p) for p in prompts], device=device)
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)  # left padding: each row's first real token is position 0
    rows = torch.arange(len(prompts), device=device)  # which prompt each live row of the batch is
    ends = torch.tensor(sorted(end_ids), device=device)
    answers: list[list[int]] = [[] for _ in prompts]
    cache, names = _new_cache(model), _argument_names(model)
    with torch.inference_mode():
        logits = model(
            input_ids=ids, attention_mask=mask, position_ids=positions, **{names[0]: cache, names[1]: 1}
        ).logits
        for step in range(max_new_tokens):
            chosen = logits[:, -1].argmax(-1)
            done = torch.isin(chosen, ends)
            live = zip(rows.tolist(), chosen.tolist(), done.tolist(), strict=True)
            for position, (row, token, finished) in enumerate(live):
                if not finished:
                    answers[row].append(token)
                    done[position] = stop is not None and stop(answers[row])
            if done.any():  # finished rows leave the batch and the cache
                keep = (~done).nonzero().squeeze(-1)
                if not len(keep):
                    break
                cache.batch_select_indices(keep)
                rows, chosen, mask, positions = rows[keep], chosen[keep], mask[keep], positions[keep]
            if step == max_new_tokens - 1:
                break
            mask = torch.cat([mask, mask.new_ones((len(rows), 1))], dim=-1)
            positions = positions[:, -1:] + 1
            logits = model(input_ids=chosen[:, None], attention_mask=mask, position_ids=positions, **{names[0]: cache})
            logits = logits.logits
    return answers


def _new_cache(model: Any) -> Any:
    from transformers import DynamicCache

    try:
        return DynamicCache(config=model.config)  # transformers 5: layer types (sliding windows) from the config
    except TypeError:
        return DynamicCache()


def _argument_names(model: Any) -> tuple[str, str]:
    """What this transformers version calls the KV cache and "logits for the last positions only" in `forward`."""
    import inspect

    accepted = inspect.signature(model.forward).parameters
    cache = "cache" if "cache" in accepted else "past_key_values"
    last = "logits_to_keep" if "logits_to_keep" in accepted else "num_logits_to_keep"
    return cache, last
