CREATE TABLE "integration_messages" (
	"integration" text NOT NULL,
	"key" text NOT NULL,
	"channel" text NOT NULL,
	"ref" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "integration_messages_integration_key_pk" PRIMARY KEY("integration","key")
);
