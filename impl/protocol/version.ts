/**
 * The version of the kfmd protocol (PROTOCOL.md): the messages and what each means. A change
 * an existing implementation's runtime would have to follow bumps it.
 */
export const PROTOCOL_VERSION = 1;
