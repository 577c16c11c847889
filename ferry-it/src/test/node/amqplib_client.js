#!/usr/bin/env node
// amqplib against a broker, the way Node services use it: a topic exchange and bindings, a confirm
// channel, a consumer with prefetch and manual acks, nack without requeue into a dead-letter
// queue, basic.get, RPC over direct reply-to, and a credential refresh (connection.update-secret)
// through both of amqplib's APIs, promises and callbacks.
//
// usage: node amqplib_client.js HOST PORT
// Prints "amqplib ok" and exits 0 when every step checks out; otherwise one line and exit 1.
'use strict';
const amqp = require('amqplib');
const amqpCallbacks = require('amqplib/callback_api');

const TIMEOUT_MS = 30000;
const [host, port] = [process.argv[2], Number(process.argv[3])];
const suffix = Math.random().toString(36).slice(2, 10);

function fail(message) {
  console.log('amqplib FAILED: ' + message);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) {
    fail(message);
  }
}

setTimeout(() => fail('timed out after ' + TIMEOUT_MS + ' ms'), TIMEOUT_MS).unref();

async function routeThroughTopic(connection) {
  const channel = await connection.createConfirmChannel();
  const exchange = 'node-x-' + suffix;
  await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, 'audit.#');
  channel.publish(exchange, 'audit.login.ok', Buffer.from('login'), { contentType: 'text/plain' });
  channel.publish(exchange, 'metrics.cpu', Buffer.from('ignored'));
  await channel.waitForConfirms();
  const message = await getOne(channel, queue);
  check(message.content.toString() === 'login', 'topic routing delivered ' + message.content);
  check(message.properties.contentType === 'text/plain', 'content type lost');
  check((await channel.get(queue)) === false, 'an unmatched key was routed');
  await channel.close();
}

async function getOne(channel, queue) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const message = await channel.get(queue, { noAck: true });
    if (message !== false) {
      return message;
    }
  }
  fail('no message in ' + queue);
}

async function consumeAckAndDeadLetter(connection) {
  const channel = await connection.createChannel();
  const deadLetters = 'node-dlq-' + suffix;
  const work = 'node-work-' + suffix;
  await channel.assertQueue(deadLetters, { autoDelete: false, durable: false });
  await channel.assertQueue(work, {
    durable: false,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetters },
  });
  await channel.prefetch(1);
  for (const body of ['fine 1', 'broken 2', 'fine 3']) {
    channel.sendToQueue(work, Buffer.from(body));
  }
  const handled = [];
  await new Promise((resolve) => {
    channel.consume(work, (message) => {
      if (message === null) {
        return; // amqplib's signal that the broker cancelled the consumer (the queue is deleted below)
      }
      const body = message.content.toString();
      if (body.startsWith('broken')) {
        channel.nack(message, false, false);
      } else {
        handled.push(body);
        channel.ack(message);
      }
      if (handled.length === 2) {
        resolve();
      }
    });
  });
  check(handled.join(',') === 'fine 1,fine 3', 'consumer handled ' + handled);
  const parked = await getOne(channel, deadLetters);
  check(parked.content.toString() === 'broken 2', 'dead-lettered ' + parked.content);
  const death = parked.properties.headers['x-death'][0];
  check(death.reason === 'rejected' && death.queue === work, 'x-death ' + JSON.stringify(death));
  await channel.deleteQueue(work);
  await channel.deleteQueue(deadLetters);
  await channel.close();
}

async function rpcOverDirectReplyTo(connection) {
  const server = await connection.createChannel();
  const requests = 'node-rpc-' + suffix;
  await server.assertQueue(requests, { durable: false, autoDelete: true });
  await server.consume(requests, (message) => {
    if (message === null) {
      return;
    }
    const answer = message.content.toString().split('').reverse().join('');
    server.sendToQueue(message.properties.replyTo, Buffer.from(answer),
      { correlationId: message.properties.correlationId });
  }, { noAck: true });

  const client = await connection.createChannel();
  const reply = new Promise((resolve) => {
    client.consume('amq.rabbitmq.reply-to', (message) => resolve(message), { noAck: true });
  });
  await new Promise((resolve) => setImmediate(resolve));
  client.sendToQueue(requests, Buffer.from('ferry'), { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c-7' });
  const message = await reply;
  check(message.content.toString() === 'yrref', 'rpc answered ' + message.content);
  check(message.properties.correlationId === 'c-7', 'correlation id lost');
  await client.close();
  await server.close();
}

// A refreshed secret is answered with update-secret-ok and the connection carries on.
async function refreshSecret(connection) {
  await connection.updateSecret(Buffer.from('guest'), 'token refresh');
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  check(queue.startsWith('amq.gen-'), 'declare after update-secret named ' + queue);
  await channel.close();
}

// The same through the callback API, which calls back once update-secret-ok has arrived.
function refreshSecretWithCallbacks() {
  return new Promise((resolve) => {
    amqpCallbacks.connect({ protocol: 'amqp', hostname: host, port, username: 'guest', password: 'guest' },
      (error, connection) => {
        check(!error, 'callback API connect: ' + error);
        connection.on('error', (connectionError) => fail('callback API connection error ' + connectionError.message));
        connection.updateSecret(Buffer.from('guest'), 'token refresh', () => {
          connection.createChannel((channelError, channel) => {
            check(!channelError, 'channel after update-secret: ' + channelError);
            channel.close(() => connection.close(resolve));
          });
        });
      });
  });
}

(async () => {
  const connection = await amqp.connect({ protocol: 'amqp', hostname: host, port, username: 'guest', password: 'guest' });
  connection.on('error', (error) => fail('connection error ' + error.message));
  await routeThroughTopic(connection);
  await consumeAckAndDeadLetter(connection);
  await rpcOverDirectReplyTo(connection);
  await refreshSecret(connection);
  await refreshSecretWithCallbacks();
  await connection.close();
  console.log('amqplib ok');
  process.exit(0);
})().catch((error) => fail(error.stack || String(error)));
