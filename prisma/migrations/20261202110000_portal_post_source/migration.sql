-- AlterEnum
ALTER TYPE "PostSource" ADD VALUE 'PORTAL';
