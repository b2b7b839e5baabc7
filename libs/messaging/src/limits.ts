/**
 * Sizes that keep every stored event publishable (contract §6). The broker refuses a record
 * batch larger than the topic's `max.message.bytes`, and a relay that resent such a batch
 * forever would stall every event behind it. So, from the largest to the smallest:
 *
 * - the events topic is created with `max.message.bytes` = TOPIC_MAX_MESSAGE_BYTES;
 * - the relay sends at most MAX_PUBLISH_BYTES in one request (all partitions together);
 * - the write side refuses a command whose event's payload exceeds MAX_EVENT_DATA_BYTES,
 *   which leaves room for the envelope, key and headers inside one request.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 1024 * 1024;
export const MAX_PUBLISH_BYTES = 768 * 1024;
export const MAX_EVENT_DATA_BYTES = 256 * 1024;

/** What one event adds to a produce request besides its value: key, headers and record overhead, generously. */
export const RECORD_OVERHEAD_BYTES = 512;
