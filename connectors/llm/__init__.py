"""Chat-completion clients for AI generation: one interface, OpenAI-compatible endpoints."""

from connectors.llm.base import ChatClient, ChatReply, chat_client

__all__ = ["ChatClient", "ChatReply", "chat_client"]
