package io.mlcycle.server;

import java.util.List;

/**
 * An inference request as sent, before it is turned into rows or entity ids.
 *
 * @param inputs the tensors, binary data already decoded
 */
record ParsedRequest(String id, List<InferInput> inputs, RequestedOutputs outputs) {
    /** The input of this name, or null. */
    InferInput input(String name) {
        for (InferInput in : inputs) {
            if (name.equals(in.name)) {
                return in;
            }
        }
        return null;
    }
}
