package io.mlcycle.server;

import io.mlcycle.common.SparseMatrix;

/** A parsed inference request: the request id (may be null), the rows in CSR form. */
record InferRequest(String id, SparseMatrix rows, RequestedOutputs outputs) {}
