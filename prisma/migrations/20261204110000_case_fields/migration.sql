-- Custom case fields, the product catalogue, and a phone number on contacts.
ALTER TABLE "Settings" ADD COLUMN "caseFields" JSONB NOT NULL DEFAULT '[]';

ALTER TABLE "Contact" ADD COLUMN "phone" TEXT;

CREATE TABLE "Product" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    CONSTRAINT "Product_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "Product_code_key" ON "Product"("code");

ALTER TABLE "Case" ADD COLUMN "customFields" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN "productId" INTEGER;

ALTER TABLE "Case" ADD CONSTRAINT "Case_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product"("id") ON DELETE SET NULL ON UPDATE CASCADE;
