package dev.ferry.amqp.method;

import dev.ferry.amqp.codec.ProtocolException;
import dev.ferry.error.ErrorCode;
import io.netty.buffer.ByteBuf;

/**
 * Reads a method frame's payload into its record. The switch key is {@code classId << 16 | methodId},
 * one case per method Ferry knows; anything else is NOT_IMPLEMENTED, a connection error.
 *
 * <p>Reads run over a slice bounded to the frame payload, so an argument that runs past the frame
 * fails with an index exception, which the frame decoder turns into a SYNTAX_ERROR.
 */
public final class MethodReader {
    private MethodReader() {
    }

    /** Reads class id, method id and arguments from {@code in}. */
    public static AmqpMethod read(ByteBuf in) {
        int classId = in.readUnsignedShort();
        int methodId = in.readUnsignedShort();
        AmqpMethod method = readArguments(classId, methodId, in);
        if (method == null) {
            throw new ProtocolException(ErrorCode.NOT_IMPLEMENTED,
                    "unknown method class " + classId + " method " + methodId, classId, methodId);
        }
        return method;
    }

    private static AmqpMethod readArguments(int classId, int methodId, ByteBuf in) {
        return switch (classId << 16 | methodId) {
            case 655370 -> ConnectionStart.read(in); // (10, 10)
            case 655371 -> ConnectionStartOk.read(in); // (10, 11)
            case 655380 -> ConnectionSecure.read(in); // (10, 20)
            case 655381 -> ConnectionSecureOk.read(in); // (10, 21)
            case 655390 -> ConnectionTune.read(in); // (10, 30)
            case 655391 -> ConnectionTuneOk.read(in); // (10, 31)
            case 655400 -> ConnectionOpen.read(in); // (10, 40)
            case 655401 -> ConnectionOpenOk.read(in); // (10, 41)
            case 655410 -> ConnectionClose.read(in); // (10, 50)
            case 655411 -> ConnectionCloseOk.read(in); // (10, 51)
            case 655420 -> ConnectionBlocked.read(in); // (10, 60)
            case 655421 -> ConnectionUnblocked.read(in); // (10, 61)
            case 655430 -> ConnectionUpdateSecret.read(in); // (10, 70)
            case 655431 -> ConnectionUpdateSecretOk.read(in); // (10, 71)
            case 1310730 -> ChannelOpen.read(in); // (20, 10)
            case 1310731 -> ChannelOpenOk.read(in); // (20, 11)
            case 1310740 -> ChannelFlow.read(in); // (20, 20)
            case 1310741 -> ChannelFlowOk.read(in); // (20, 21)
            case 1310760 -> ChannelClose.read(in); // (20, 40)
            case 1310761 -> ChannelCloseOk.read(in); // (20, 41)
            case 2621450 -> ExchangeDeclare.read(in); // (40, 10)
            case 2621451 -> ExchangeDeclareOk.read(in); // (40, 11)
            case 2621460 -> ExchangeDelete.read(in); // (40, 20)
            case 2621461 -> ExchangeDeleteOk.read(in); // (40, 21)
            case 2621470 -> ExchangeBind.read(in); // (40, 30)
            case 2621471 -> ExchangeBindOk.read(in); // (40, 31)
            case 2621480 -> ExchangeUnbind.read(in); // (40, 40)
            case 2621491 -> ExchangeUnbindOk.read(in); // (40, 51)
            case 3276810 -> QueueDeclare.read(in); // (50, 10)
            case 3276811 -> QueueDeclareOk.read(in); // (50, 11)
            case 3276820 -> QueueBind.read(in); // (50, 20)
            case 3276821 -> QueueBindOk.read(in); // (50, 21)
            case 3276830 -> QueuePurge.read(in); // (50, 30)
            case 3276831 -> QueuePurgeOk.read(in); // (50, 31)
            case 3276840 -> QueueDelete.read(in); // (50, 40)
            case 3276841 -> QueueDeleteOk.read(in); // (50, 41)
            case 3276850 -> QueueUnbind.read(in); // (50, 50)
            case 3276851 -> QueueUnbindOk.read(in); // (50, 51)
            case 3932170 -> BasicQos.read(in); // (60, 10)
            case 3932171 -> BasicQosOk.read(in); // (60, 11)
            case 3932180 -> BasicConsume.read(in); // (60, 20)
            case 3932181 -> BasicConsumeOk.read(in); // (60, 21)
            case 3932190 -> BasicCancel.read(in); // (60, 30)
            case 3932191 -> BasicCancelOk.read(in); // (60, 31)
            case 3932200 -> BasicPublish.read(in); // (60, 40)
            case 3932210 -> BasicReturn.read(in); // (60, 50)
            case 3932220 -> BasicDeliver.read(in); // (60, 60)
            case 3932230 -> BasicGet.read(in); // (60, 70)
            case 3932231 -> BasicGetOk.read(in); // (60, 71)
            case 3932232 -> BasicGetEmpty.read(in); // (60, 72)
            case 3932240 -> BasicAck.read(in); // (60, 80)
            case 3932250 -> BasicReject.read(in); // (60, 90)
            case 3932260 -> BasicRecoverAsync.read(in); // (60, 100)
            case 3932270 -> BasicRecover.read(in); // (60, 110)
            case 3932271 -> BasicRecoverOk.read(in); // (60, 111)
            case 3932280 -> BasicNack.read(in); // (60, 120)
            case 5570570 -> ConfirmSelect.read(in); // (85, 10)
            case 5570571 -> ConfirmSelectOk.read(in); // (85, 11)
            case 5898250 -> TxSelect.read(in); // (90, 10)
            case 5898251 -> TxSelectOk.read(in); // (90, 11)
            case 5898260 -> TxCommit.read(in); // (90, 20)
            case 5898261 -> TxCommitOk.read(in); // (90, 21)
            case 5898270 -> TxRollback.read(in); // (90, 30)
            case 5898271 -> TxRollbackOk.read(in); // (90, 31)
            default -> null;
        };
    }
}
