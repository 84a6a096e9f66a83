package app

// Refusals of the POS protocol and the desk API themselves: the host refused before any
// use case saw the message (nothing booked, nothing kept), and what a client says when no
// verified answer came back. app/posapi names them again for its callers.
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeBadSignature    Code = "BAD_SIGNATURE"
	CodeStaleTimestamp  Code = "STALE_TIMESTAMP"
	CodeBodyTooLarge    Code = "BODY_TOO_LARGE"
	CodeMalformed       Code = "MALFORMED_REQUEST"
	CodeDeviceMismatch  Code = "DEVICE_MISMATCH"
	CodeNotFoundPath    Code = "NO_SUCH_ENDPOINT"

	// The host never sends these two: a client says them of its own.
	CodeNoAnswer  Code = "NO_ANSWER"  // nothing came back: timeout, connection refused or lost
	CodeBadAnswer Code = "BAD_ANSWER" // something came back that is not a verified answer of the host
)

func init() {
	catalogue[CodeUnauthenticated] = [2]string{"缺少或无效的设备认证信息", "missing or malformed device authentication headers"}
	catalogue[CodeBadSignature] = [2]string{"报文签名错误", "message signature does not verify"}
	catalogue[CodeStaleTimestamp] = [2]string{"报文时间超出允许范围,请校对时钟", "message time outside the replay window; check the clock"}
	catalogue[CodeBodyTooLarge] = [2]string{"报文过长", "message body too large"}
	catalogue[CodeMalformed] = [2]string{"报文格式错误", "malformed message"}
	catalogue[CodeDeviceMismatch] = [2]string{"报文设备号与认证设备不符", "device in the body differs from the authenticated device"}
	catalogue[CodeNotFoundPath] = [2]string{"无此接口", "no such endpoint"}
	catalogue[CodeNoAnswer] = [2]string{"主机无应答,请检查网络", "no answer from the host; check the network"}
	catalogue[CodeBadAnswer] = [2]string{"主机应答无法验证", "the host's answer could not be verified"}
}
