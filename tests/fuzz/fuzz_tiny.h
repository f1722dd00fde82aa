/* The tiny run the checkpoint harness and its seed generator share: a dataset, held in memory
 * by the harness and written to a file by the generator, and the config overrides of the run,
 * so that a trainer state the generator saved matches what the harness checks it against. */
#ifndef EXPOSURE_FUZZ_TINY_H
#define EXPOSURE_FUZZ_TINY_H

#define FUZZ_TINY_DATA_NAME "fuzz-tiny.jsonl"

static const char fuzz_tiny_jsonl[] = "{\"prompt\":\"1+1=\",\"response\":\"2\"}\n"
                                      "{\"prompt\":\"2+3=\",\"response\":\"5\"}\n"
                                      "{\"prompt\":\"4+4=\",\"response\":\"8\"}\n"
                                      "{\"prompt\":\"3+6=\",\"response\":\"9\"}\n"
                                      "{\"prompt\":\"5+2=\",\"response\":\"7\"}\n";

/* data.test is the one its seeds in tests/fuzz/corpus were trained with. */
static const char *const fuzz_tiny_sets[] = {"data.train=" FUZZ_TINY_DATA_NAME,
                                             "data.val=" FUZZ_TINY_DATA_NAME,
                                             "data.test=arith",
                                             "model.layers=1",
                                             "model.dim=8",
                                             "model.heads=1",
                                             "model.context=16",
                                             "train.steps=3",
                                             "train.batch=2",
                                             "train.warmup=0",
                                             "train.threads=1",
                                             "train.eval_every=0",
                                             "train.eval_samples=2",
                                             "train.checkpoint_every=0",
                                             "decode.max_new_tokens=4",
                                             "method.name=rac",
                                             "method.schedule.kind=constant",
                                             "method.schedule.value=0.5",
                                             "method.selfgen.source=free_run"};

#define FUZZ_TINY_STEPS 3

#endif
