import protobuf from 'protobufjs';
import { compress, uncompress } from 'snappyjs';
import type { Label } from './parse.js';

/**
 * Prometheus remote-write 1.0 (https://prometheus.io/docs/specs/prw/remote_write_spec/): a `prometheus.WriteRequest`
 * protobuf, compressed as one Snappy block. The messages are those of prometheus/prompb (types.proto, remote.proto),
 * declared here for protobufjs instead of generated: only the fields 1.0 sends.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export interface TimeSeries {
  labels: Label[];
  samples: Array<{ value: number; timestamp: number }>;
}

/** The headers every request carries (the spec's MUSTs). */
export const PROTOCOL_HEADERS = {
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
} as const;

/** A request body: the series encoded, then compressed. */
export function encodeWriteRequest(timeseries: readonly TimeSeries[]): Buffer {
  const encoded = WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
  return Buffer.from(compress(encoded));
}

/** A body back into its series (tests, and a receiver of our own should one be needed). */
export function decodeWriteRequest(body: Uint8Array): TimeSeries[] {
  const message = WriteRequest.decode(uncompress(body));
  const object = WriteRequest.toObject(message, { longs: Number, defaults: true }) as { timeseries: TimeSeries[] };
  return object.timeseries;
}
