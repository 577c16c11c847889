/**
 * Text handling every layer shares and that depends on nothing else in Ferry: client-supplied text
 * made safe for a log line ({@link dev.ferry.text.LogSafe}), and bytes that may not be UTF-8 kept
 * exactly through a String ({@link dev.ferry.text.LosslessUtf8}).
 */
package dev.ferry.text;
