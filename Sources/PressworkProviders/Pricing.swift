import PressworkPipeline

/// A chat model whose replies carry their cost: the usage the model reports, at its price.
/// Every call is priced, repairs included, so a round's cost is what was really spent.
public struct PricedChatModel: ChatModel {
    public let model: any ChatModel
    public let price: ModelPrice

    public init(_ model: any ChatModel, price: ModelPrice) {
        self.model = model
        self.price = price
    }

    public var name: String { model.name }

    public func complete(_ request: ChatRequest) async throws -> ChatReply {
        var reply = try await model.complete(request)
        reply.usage = price.priced(reply.usage)
        return reply
    }
}

/// An embedding provider whose vectors carry their cost (input tokens only).
public struct PricedEmbeddings: EmbeddingProvider {
    public let provider: any EmbeddingProvider
    public let price: ModelPrice

    public init(_ provider: any EmbeddingProvider, price: ModelPrice) {
        self.provider = provider
        self.price = price
    }

    public var model: String { provider.model }
    public var dimension: Int { provider.dimension }

    public func embed(_ text: String) async throws -> Generated<[Float]> {
        var generated = try await provider.embed(text)
        generated.usage = price.priced(generated.usage)
        return generated
    }
}
